import Foundation
import Testing
@testable import Jinja

private func render(_ source: String, _ context: [String: JinjaValue] = [:]) throws -> String {
    try JinjaTemplate(source: source).render(context: context)
}

@Suite("Jinja expressions, filters and statements")
struct JinjaTests {
    @Test("arithmetic follows Python")
    func arithmetic() throws {
        #expect(try render("{{ 1 + 2 * 3 }} {{ 2 ** 3 ** 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }}") == "7 64 -4 2 3.5 2.0")
        #expect(try render("{{ 1 + 1.5 }} {{ 'ab' ~ 3 ~ none }} {{ 'x' * 3 }} {{ [1] + [2] }}") == "2.5 ab3None xxx [1, 2]")
        #expect(try render("{{ (1, 2) }} {{ -(3) }} {{ not 0 }}") == "[1, 2] -3 True")
    }

    @Test("comparisons, membership and boolean operators")
    func comparisons() throws {
        #expect(try render("{{ 1 < 2 <= 2 }} {{ 'a' in 'cat' }} {{ 3 not in [1, 2] }} {{ 'k' in {'k': 1} }}") == "True True True True")
        #expect(try render("{{ 0 or 'x' }} {{ 1 and 'y' }} {{ none or [] }} {{ true == 1 }} {{ 1 == 1.0 }}") == "x y [] True True")
        #expect(try render("{{ 'yes' if x else 'no' }}|{{ 'only' if x }}|", ["x": false]) == "no||")
    }

    @Test("literals: strings with escapes, numbers, lists, dicts, booleans and none in both spellings")
    func literals() throws {
        #expect(try render(#"{{ "a\"b\n" }}{{ 'c\'d\t' }}{{ '\u00e9' }}"#) == "a\"b\nc'd\té")
        #expect(try render("{{ 1_000 }} {{ 1.5e2 }} {{ [1, 'a', [none]] }} {{ {'a': True, 'b': False} }} {{ None }}") ==
            "1000 150.0 [1, 'a', [None]] {'a': True, 'b': False} None")
    }

    @Test("indexing, negative indices and slices")
    func indexing() throws {
        let context: [String: JinjaValue] = ["l": [1, 2, 3, 4], "s": "hello", "d": ["k": "v"]]
        #expect(try render("{{ l[0] }}{{ l[-1] }}{{ l[1:3] }}{{ l[::-1] }}{{ l[:-2] }}{{ l[9] }}", context) == "14[2, 3][4, 3, 2, 1][1, 2]")
        #expect(try render("{{ s[1:] }} {{ s[::-1] }} {{ s[-1] }} {{ d['k'] }}{{ d.k }}{{ d.missing }}", context) == "ello olleh o vv")
    }

    @Test("string methods")
    func stringMethods() throws {
        let context: [String: JinjaValue] = ["s": "  Hello World  "]
        #expect(try render("[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}]", context) == "[Hello World][Hello World  ][  Hello World]")
        #expect(try render("{{ s.strip().upper() }} {{ s.strip().lower() }} {{ 'a b'.title() }} {{ 'xay'.strip('xy') }}", context) == "HELLO WORLD hello world A B a")
        #expect(try render("{{ 'a,b,c'.split(',') }} {{ ' a  b '.split() }} {{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }}") ==
            "['a', 'b', 'c'] ['a', 'b'] True True")
        #expect(try render("{{ 'aaa'.replace('a', 'b', 2) }} {{ '-'.join(['x', 'y']) }}") == "bba x-y")
    }

    @Test("dict methods and iteration order")
    func dictMethods() throws {
        let context: [String: JinjaValue] = ["d": ["z": 1, "a": 2]]
        #expect(try render("{{ d.get('a') }} {{ d.get('q', 'dflt') }} {{ d.get('q') }}", context) == "2 dflt None")
        #expect(try render("{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %} {{ d.keys() | list }} {{ d.values() | list }}", context) == "z1a2 ['z', 'a'] [1, 2]")
    }

    @Test("filters")
    func filters() throws {
        let users: JinjaValue = [["name": "ann", "role": "user"], ["name": "bob", "role": "assistant"]]
        let context: [String: JinjaValue] = ["users": users, "l": [3, 1, 2]]
        #expect(try render("{{ users | selectattr('role', 'equalto', 'user') | map(attribute='name') | join(', ') }}", context) == "ann")
        #expect(try render("{{ users | rejectattr('role', 'equalto', 'user') | map(attribute='name') | first }}", context) == "bob")
        #expect(try render("{{ l | length }} {{ l | first }} {{ l | last }} {{ l | sort | list }} {{ l | join('-') }}", context) == "3 3 2 [1, 2, 3] 3-1-2")
        #expect(try render("{{ '  x ' | trim }}|{{ 'ab' | upper }}|{{ 'AB' | lower }}|{{ 'hi there' | capitalize }}|{{ 'hi there' | title }}") == "x|AB|ab|Hi there|Hi There")
        #expect(try render("{{ missing | default('d') }} {{ '5' | int + 1 }} {{ 5 | string }}{{ 'a-b' | replace('-', '+') }}") == "d 6 5a+b")
        #expect(try render("{{ {'b': [1, 2.5, none], 'a': 'é'} | tojson }}") == #"{"b": [1, 2.5, null], "a": "é"}"#)
        #expect(try render("{{ {'a': [1]} | tojson(indent=2) }}") == "{\n  \"a\": [\n    1\n  ]\n}")
        #expect(try render("{{ {'a': 1} | items | list }}") == "[['a', 1]]")
    }

    @Test("tests, including negated ones")
    func tests() throws {
        let context: [String: JinjaValue] = ["n": nil, "s": "x", "d": [:], "l": []]
        #expect(try render("{{ missing is defined }} {{ n is none }} {{ s is string }} {{ d is mapping }} {{ l is iterable }}", context) == "False True True True True")
        #expect(try render("{{ l is sequence }} {{ 3 is number }} {{ s is not none }} {{ missing is not defined }} {{ 4 is divisibleby 2 }}", context) == "True True True True True")
    }

    @Test("for loops: loop variables, else, inline filter, break and continue")
    func loops() throws {
        let context: [String: JinjaValue] = ["l": ["a", "b", "c"]]
        #expect(try render("{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }},{% endfor %}", context) ==
            "103TrueFalse3,212FalseFalse3,321FalseTrue3,")
        #expect(try render("{% for x in [] %}x{% else %}empty{% endfor %}") == "empty")
        #expect(try render("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.length }}{% endfor %}") == "2242")
        #expect(try render("{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% elif x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}") == "13")
        #expect(try render("{% for x in missing %}x{% endfor %}ok") == "ok")
    }

    @Test("set, namespace and scoping")
    func assignments() throws {
        #expect(try render("{% set x = 1 %}{% for i in [5] %}{% set x = i %}{% endfor %}{{ x }}") == "1")
        #expect(try render("{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}") == "6")
        #expect(try render("{% set ns = namespace() %}{% set ns.flag = true %}{{ ns.flag }}") == "True")
        #expect(try render("{% set a, b = 'x', 'y' %}{{ b }}{{ a }}{% set c %}captured{% endset %} {{ c }}") == "yx captured")
    }

    @Test("macros")
    func macros() throws {
        #expect(try render("{% macro m(a, b='B') %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}{{ m(1, 2) }}{{ m(b=3, a=4) }}") == "1B1243")
    }

    @Test("whitespace control with trim_blocks and lstrip_blocks")
    func whitespace() throws {
        #expect(try render("{% if true %}\nyes\n{% endif %}\n") == "yes\n")
        #expect(try render("  {% if true %}\n  x\n  {% endif %}\n") == "  x\n")
        #expect(try render("a  {{- ' b ' -}}  c") == "a b c")
        #expect(try render("a\n{%- if true %} b{% endif -%}\n c") == "a bc")
        #expect(try render("  {%+ if true %}x{% endif %}") == "  x")
        #expect(try render("{# comment #}\nx{{ 'y' }}\nz") == "xy\nz")
        #expect(try render("{% raw %}{{ not evaluated }}{% endraw %}") == "{{ not evaluated }}")
        #expect(try render("line\r\nnext\n") == "line\nnext")
    }

    @Test("raise_exception and strftime_now")
    func globals() throws {
        #expect(throws: JinjaError(kind: .raised, message: "boom 1")) { try render("{{ raise_exception('boom ' ~ 1) }}") }
        let template = try JinjaTemplate(source: "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d') }}")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let date = calendar.date(from: DateComponents(year: 2024, month: 7, day: 26, hour: 9))!
        #expect(try template.render(context: [:], now: date) == "26 Jul 2024|2024-07-26")
        #expect(try render("{{ range(3) | list }} {{ strftime_now is defined }}") == "[0, 1, 2] True")
    }

    @Test("tojson writes Python's json.dumps, dict keys in the order they were added")
    func json() throws {
        let value: JinjaValue = ["z": 1, "a": [true, nil, 2.5, "x\né"], "m": [:]]
        #expect(try value.jsonString() == #"{"z": 1, "a": [true, null, 2.5, "x\né"], "m": {}}"#)
        #expect(try value.jsonString(sortKeys: true, ensureASCII: true) == #"{"a": [true, null, 2.5, "x\n\u00e9"], "m": {}, "z": 1}"#)
    }

    @Test("floats print as Python's repr")
    func floatRepr() {
        #expect(JinjaValue.pythonFloatRepr(1.0) == "1.0")
        #expect(JinjaValue.pythonFloatRepr(0.1 + 0.2) == "0.30000000000000004")
        #expect(JinjaValue.pythonFloatRepr(1e-7) == "1e-07")
        #expect(JinjaValue.pythonFloatRepr(1e16) == "1e+16")
        #expect(JinjaValue.pythonFloatRepr(1e15) == "1000000000000000.0")
        #expect(JinjaValue.pythonFloatRepr(1.5e300) == "1.5e+300")
        #expect(JinjaValue.pythonFloatRepr(12345678901234567.0) == "1.2345678901234568e+16")
    }
}
