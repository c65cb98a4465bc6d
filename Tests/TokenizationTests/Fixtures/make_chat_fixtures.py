#!/usr/bin/env python3
"""Produce chat_template_fixtures.json: reference renderings by Python's jinja2.

The environment mirrors transformers' chat-template renderer
(`ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)` with the
`loopcontrols` extension, a `tojson` that is plain `json.dumps(ensure_ascii=False)`,
`raise_exception`, and `strftime_now` frozen at FIXED_NOW so outputs are reproducible).
Templates are the models' published `chat_template` strings, used as test data.

Run from anywhere:  python3 make_chat_fixtures.py   (needs jinja2 >= 3.1)
"""
import datetime
import json
import os

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXED_NOW = datetime.datetime(2024, 9, 5, 12, 0, 0)  # what strftime_now sees


def make_env():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


TEMPLATES = {}

TEMPLATES["llama2"] = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"

TEMPLATES["llama3"] = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"

TEMPLATES["llama3.1"] = r"""{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\n" }}
{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\n\n"}}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\n\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- "with its proper arguments that best answers the given prompt.\n\n" }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- "<|python_tag|>" + tool_call.name + ".call(" }}
            {%- for arg_name, arg_val in tool_call.arguments | items %}
                {{- arg_name + '="' + arg_val + '"' }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- endif %}
                {%- endfor %}
            {{- ")" }}
        {%- else  %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- '{"name": "' + tool_call.name + '", ' }}
            {{- '"parameters": ' }}
            {{- tool_call.arguments | tojson }}
            {{- "}" }}
        {%- endif %}
        {%- if builtin_tools is defined %}
            {#- This means we're in ipython mode #}
            {{- "<|eom_id|>" }}
        {%- else %}
            {{- "<|eot_id|>" }}
        {%- endif %}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
"""

# The Llama 3.2 variant of the date logic (strftime_now when available).
TEMPLATES["llama3.2-date"] = r"""{{- bos_token }}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}
        {%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}
        {%- set date_string = "26 Jul 2024" %}
    {%- endif %}
{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{{- "Cutting Knowledge Date: December 2023\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{{- "<|eot_id|>" }}
{%- for message in messages %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
"""

TEMPLATES["qwen2.5"] = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""

# Mistral-7B-Instruct-v0.1 as first published.
TEMPLATES["mistral-v0.1"] = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"

# mistralai 'v1' template (Mistral-7B-Instruct-v0.1/v0.2 as later updated, optional system message).
TEMPLATES["mistral-v1"] = r"""{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- if message['role'] == 'user' %}
        {%- if loop.first and system_message is defined %}
            {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
        {%- else %}
            {{- ' [INST] ' + message['content'] + ' [/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {{- ' ' + message['content'] + eos_token}}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
    {%- endif %}
{%- endfor %}
"""

# mistralai 'v3' template (Mistral-7B-Instruct-v0.3 style, with tools).
TEMPLATES["mistral-v3"] = r"""{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}

{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}
{%- set ns = namespace() %}
{%- set ns.index = 0 %}
{%- for message in loop_messages %}
    {%- if not (message.role == "tool" or message.role == "tool_results" or (message.tool_calls is defined and message.tool_calls is not none)) %}
        {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}
            {{- raise_exception("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...") }}
        {%- endif %}
        {%- set ns.index = ns.index + 1 %}
    {%- endif %}
{%- endfor %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.items() if key != "return" %}
                    {%- if val is string %}
                        {{- '"' + key + '": "' + val + '"' }}
                    {%- else %}
                        {{- '"' + key + '": ' + val|tojson }}
                    {%- endif %}
                    {%- if not loop.last %}
                        {{- ", " }}
                    {%- endif %}
                {%- endfor %}
                {{- "}}" }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- else %}
                    {{- "]" }}
                {%- endif %}
            {%- endfor %}
            {{- "[/AVAILABLE_TOOLS]" }}
            {%- endif %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\n\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- if message.content is defined and message.content.content is defined %}
            {%- set content = message.content.content %}
        {%- else %}
            {%- set content = message.content %}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + ", " }}
        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}
            {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
        {%- endif %}
        {{- '"call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- else %}
        {{- raise_exception("Only user and assistant roles are supported, with the exception of an initial optional system message!") }}
    {%- endif %}
{%- endfor %}
"""

SPECIAL = {
    "llama2": ("<s>", "</s>"),
    "llama3": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama3.1": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama3.2-date": ("<|begin_of_text|>", "<|eot_id|>"),
    "qwen2.5": ("", "<|im_end|>"),
    "mistral-v0.1": ("<s>", "</s>"),
    "mistral-v1": ("<s>", "</s>"),
    "mistral-v3": ("<s>", "</s>"),
}

SYS = {"role": "system", "content": "You are a careful assistant.\nAnswer briefly."}
U1 = {"role": "user", "content": "  Hello there!  "}
A1 = {"role": "assistant", "content": "Hi! How can I help?\n"}
U2 = {"role": "user", "content": "What's 2 + 2? Say \"four\" — in French: « quatre »."}
A2 = {"role": "assistant", "content": "Quatre."}
U3 = {"role": "user", "content": "Thanks.\n\nBye."}

CONVERSATIONS = {
    "single": [U1],
    "system-single": [SYS, U1],
    "multi": [U1, A1, U2, A2, U3],
    "system-multi": [SYS, U1, A1, U2],
    "ends-with-assistant": [U1, A1],
}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. \"Paris\""},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7.5},
            },
            "required": ["city"],
        },
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {"name": "get_time", "description": "Current time — UTC.", "parameters": {"type": "object", "properties": {}}},
}

TOOL_CONVERSATION = [
    {"role": "system", "content": "You can call tools."},
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call12345", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}
    ]},
    {"role": "tool", "tool_call_id": "call12345", "content": "{\"temp\": 21, \"sky\": \"clear\"}"},
    {"role": "tool", "tool_call_id": "call12345", "content": "second result"},
    {"role": "user", "content": "And tomorrow?"},
]


def context_for(name, messages, add_generation_prompt, **extra):
    bos, eos = SPECIAL[name]
    ctx = {
        "messages": messages,
        "tools": None,
        "documents": None,
        "add_generation_prompt": add_generation_prompt,
        "bos_token": bos,
        "eos_token": eos,
    }
    ctx.update(extra)
    return ctx


def main():
    env = make_env()
    cases = []

    def add(case_name, template_name, ctx, template_source=None):
        source = template_source if template_source is not None else TEMPLATES[template_name]
        entry = {"name": case_name, "template": template_name, "context": ctx}
        try:
            entry["expected"] = env.from_string(source).render(**ctx)
        except jinja2.exceptions.TemplateError as e:
            entry["error"] = str(e)
        cases.append(entry)

    for tname in ["llama2", "llama3", "llama3.1", "llama3.2-date", "qwen2.5", "mistral-v0.1", "mistral-v1", "mistral-v3"]:
        for cname, conv in CONVERSATIONS.items():
            for agp in (True, False):
                add(f"{tname}/{cname}/agp={agp}", tname, context_for(tname, conv, agp))

    # Tools branches.
    add("qwen2.5/tools/no-system", "qwen2.5", context_for("qwen2.5", TOOL_CONVERSATION[1:], True, tools=[WEATHER_TOOL, TIME_TOOL]))
    add("qwen2.5/tools/system", "qwen2.5", context_for("qwen2.5", TOOL_CONVERSATION, True, tools=[WEATHER_TOOL, TIME_TOOL]))
    add("qwen2.5/tool-calls-without-tools", "qwen2.5", context_for("qwen2.5", TOOL_CONVERSATION, False))
    add("llama3.1/tools-in-user-message", "llama3.1", context_for("llama3.1", TOOL_CONVERSATION[:4], True, tools=[WEATHER_TOOL], date_string="05 Sep 2024"))
    add("llama3.1/tools-in-system", "llama3.1", context_for("llama3.1", TOOL_CONVERSATION[:4], True, tools=[WEATHER_TOOL, TIME_TOOL], tools_in_user_message=False))
    add("llama3.1/builtin-tools", "llama3.1", context_for("llama3.1", [
        {"role": "user", "content": "Search the weather."},
        {"role": "assistant", "tool_calls": [{"function": {"name": "brave_search", "arguments": {"query": "weather Paris"}}}]},
        {"role": "ipython", "content": {"result": "sunny"}},
    ], True, builtin_tools=["brave_search", "code_interpreter", "wolfram_alpha"]))
    add("llama3.1/two-tool-calls-raises", "llama3.1", context_for("llama3.1", [
        {"role": "user", "content": "x"},
        {"role": "assistant", "tool_calls": [{"function": {"name": "a", "arguments": {}}}, {"function": {"name": "b", "arguments": {}}}]},
    ], True))
    add("mistral-v3/tools", "mistral-v3", context_for("mistral-v3", [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "tool_calls": [{"id": "call12345", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "tool_call_id": "call12345", "content": "{\"temp\": 21}"},
        {"role": "assistant", "content": "  It is 21 degrees.  "},
        {"role": "user", "content": "Thanks"},
    ], False, tools=[WEATHER_TOOL, TIME_TOOL]))
    add("mistral-v3/bad-tool-call-id", "mistral-v3", context_for("mistral-v3", [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "tool_calls": [{"id": "short", "function": {"name": "get_weather", "arguments": {}}}]},
    ], False))

    # Role-alternation errors (raise_exception).
    bad = [U1, U2]
    for tname in ["llama2", "mistral-v0.1", "mistral-v1", "mistral-v3"]:
        add(f"{tname}/non-alternating-raises", tname, context_for(tname, bad, True))
    add("mistral-v0.1/system-raises", "mistral-v0.1", context_for("mistral-v0.1", [SYS, U1], True))

    out = {
        "generated_by": "make_chat_fixtures.py with jinja2 " + jinja2.__version__,
        "fixed_now": FIXED_NOW.isoformat(),
        "templates": TEMPLATES,
        "cases": cases,
        "snippets": snippet_cases(env),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chat_template_fixtures.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases, {len(out['snippets'])} snippets to {path}")


# Small templates that pin down one feature each; the Swift tests render each with
# `context` and compare against jinja2's output (or expect an error).
SNIPPETS = [
    ("{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7 / 2 }}|{{ 6 / 3 }}|{{ 2 ** 10 }}", {}),
    ("{{ 'a' ~ 1 ~ none ~ true }}|{{ 'ab' * 3 }}|{{ [1, 2] + [3] }}|{{ 1.5 + 1 }}|{{ 0.1 + 0.2 }}|{{ 1e3 }}|{{ 10 / 4 }}", {}),
    ("{{ x }}|{{ x is defined }}|{{ x is undefined }}|{{ y is none }}|{{ y }}|{{ y is defined }}", {"y": None}),
    ("{{ true }} {{ True }} {{ false }} {{ none }} {{ None }} {{ [1, 'a', none, true, 1.5] }} {{ {'k': 'v', 'n': [1]} }}", {}),
    ("{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ s | trim }}|{{ s.upper() }}|{{ s.lower() }}|{{ s.title() }}|{{ s | title }}|{{ s | capitalize }}", {"s": "  hello wORLD-foo bar  "}),
    ("{{ s.startswith('ab') }} {{ s.endswith('yz') }} {{ s.startswith(('x', 'a')) }} {{ s.split(',') }} {{ 'a b  c'.split() }} {{ s.replace(',', ';') }} {{ s | replace(',', '-') }} {{ s.split(',', 1) }}", {"s": "ab,cd,xyz"}),
    ("{{ s[1:] }}|{{ s[:-1] }}|{{ s[::-1] }}|{{ s[-2] }}|{{ l[1:3] }}|{{ l[-1] }}|{{ l[::2] }}|{{ l[10:] }}|{{ l[::-1] }}", {"s": "hello", "l": [1, 2, 3, 4, 5]}),
    ("{% for x in l %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }};{% endfor %}", {"l": ["a", "b", "c"]}),
    ("{% for x in l if x > 1 %}{{ x }}{{ ',' if not loop.last }}{% else %}empty{% endfor %}|{% for x in [] %}{{ x }}{% else %}empty{% endfor %}", {"l": [1, 2, 3, 0, 5]}),
    ("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d | items %}{{ k }}{{ v }}{% endfor %}|{{ d.keys() | list }}|{{ d.values() | list }}", {"d": {"b": 1, "a": 2, "c": 3}}),
    ("{% for x in l %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", {"l": [1, 2, 3, 4, 5]}),
    ("{% set ns = namespace(total=0, found=false) %}{% for x in l %}{% set ns.total = ns.total + x %}{% if x == 3 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.total }} {{ ns.found }}", {"l": [1, 2, 3]}),
    ("{% set x = 1 %}{% for i in l %}{% set x = i %}{% endfor %}{{ x }}|{% if true %}{% set y = 5 %}{% endif %}{{ y }}", {"l": [7, 8]}),
    ("{{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 'dflt') }} {{ d['a'] }} {{ d.a }} {{ 'a' in d }} {{ 'q' not in d }} {{ 'ell' in 'hello' }} {{ 2 in [1, 2] }}", {"d": {"a": 1}}),
    ("{{ l | length }} {{ l | first }} {{ l | last }} {{ l | join('-') }} {{ l | join }} {{ l | reverse | list }} {{ l | sort | list }} {{ l | sum }} {{ l | min }} {{ l | max }} {{ 'abc' | length }} {{ l | unique | list }}", {"l": [3, 1, 2, 3]}),
    ("{{ users | selectattr('role', 'equalto', 'user') | map(attribute='name') | join(',') }}|{{ users | rejectattr('role', 'equalto', 'user') | map(attribute='name') | list }}|{{ users | selectattr('admin') | list | length }}|{{ users | map(attribute='name') | map('upper') | list }}|{{ users | selectattr('role', '==', 'bot') | first }}", {"users": [{"name": "ann", "role": "user", "admin": True}, {"name": "bob", "role": "bot"}, {"name": "cy", "role": "user"}]}),
    ("{{ x | tojson }}|{{ x | tojson(indent=2) }}|{{ 'é\"\\n<&>' | tojson }}|{{ none | tojson }}|{{ [1.5, true, 'a'] | tojson }}|{{ x | tojson(sort_keys=true) }}", {"x": {"b": [1, {"c": None}], "a": "é", "d": {}, "e": []}}),
    ("{{ x | default('d') }}|{{ none | default('d') }}|{{ '' | default('d') }}|{{ '' | default('d', true) }}|{{ 0 | d('zero', boolean=true) }}", {}),
    ("{{ '42' | int }} {{ 'x' | int }} {{ 3.9 | int }} {{ 3 | float }} {{ 42 | string }} {{ [1] | string }} {{ none | string }} {{ -3 | abs }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ '3.5' | float }}", {}),
    ("{{ 'x' if a else 'y' }}|{{ 'x' if b else 'y' }}|{{ 'x' if b }}|{{ a and b }}|{{ a or b }}|{{ not a }}|{{ b or 'fallback' }}|{{ 1 < 2 < 3 }}|{{ 1 < 2 > 3 }}|{{ 'a' < 'b' }}|{{ 1 == 1.0 }}|{{ 1 != 2 }}", {"a": True, "b": 0}),
    ("{{ 5 is number }} {{ 5 is integer }} {{ 5.0 is float }} {{ 's' is string }} {{ {} is mapping }} {{ [] is iterable }} {{ 's' is iterable }} {{ [] is sequence }} {{ 5 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ x is not none }} {{ 5 is not string }} {{ 'AB' is upper }} {{ 1 is in [1] }} {{ 2 is equalto 2 }} {{ true is boolean }}", {"x": 1}),
    ("{% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', '?') }} {{ greet(name='Cy', punct='.') }}", {}),
    ("{% set block %}inner {{ 1 + 1 }}{% endset %}[{{ block }}]|{% set a, b = 1, 2 %}{{ a }}{{ b }}|{% set t = (1, 'x') %}{{ t[1] }}", {}),
    ("{{ range(3) | list }} {{ range(1, 4) | list }} {{ range(10, 0, -3) | list }} {% for i in range(2) %}{{ i }}{% endfor %} {{ dict(a=1) }}", {}),
    ("{{ \"double \\\"quoted\\\" \\t tab\" }}|{{ 'single \\'q\\' \\\\ back' }}|{{ 'uni \\u00e9' }}|{{ 'a' 'b' }}", {}),
    ("  {% if true %}\n    line\n  {% endif %}\n  {%+ if true %}kept{% endif %}\n{# comment #}\nafter\n   {{ 'expr' }}  \n{%- if true -%}  stripped  {%- endif -%}\n\n end\n", {}),
    ("a\n{% for x in l %}\n  - {{ x }}\n{% endfor %}\nb {{- ' c ' -}} d\n{#- c -#}\n e", {"l": [1, 2]}),
    ("{{ strftime_now('%Y-%m-%d %H:%M:%S') }} {{ strftime_now('%d %b %Y') }} {{ strftime_now('%A %B %j %y %I%p %%') }}", {}),
    ("{{ raise_exception('custom failure: ' ~ 42) }}", {}),
    ("{{ 'a' + 1 }}", {}),
    ("{{ l | batch(2) | list }}|{{ 'a-b' | upper }}|{% for k, v in x | dictsort %}{{ k }}{{ v }}{% endfor %}|{{ 'Hello World' | wordcount }}|{{ '  a\nb' | indent(2) }}|{{ 'abc' | center(7) }}", {"x": {"b": 1, "a": 2}, "l": [1, 2, 3]}),
    ("{{ users | map(attribute='age', default=0) | list }}|{{ users | sort(attribute='age') | map(attribute='name') | join }}|{{ l | select('odd') | list }}|{{ l | reject('odd') | list }}|{{ users | groupby('age') | length }}", {"users": [{"name": "a", "age": 3}, {"name": "b", "age": 1}], "l": [1, 2, 3, 4]}),
    ("{{ message.content is mapping or message.content is iterable }}|{{ (x.missing or 'f') }}|{{ x['missing'] | default('dd') }}|{{ 'tool_calls' in message }}", {"message": {"role": "tool", "content": "text"}, "x": {}}),
    ("{% for a in [[1, 2], [3, 4]] %}{% for b in a %}{{ loop.index }}{{ b }}{% endfor %}{{ loop.index }};{% endfor %}|{% for x in 'ab' %}{{ x }}{% endfor %}|{{ loop is defined }}", {}),
    ("{% for x in l %}{{ loop.previtem | default('-') }}{{ x }}{{ loop.nextitem | default('-') }} {{ loop.cycle('odd', 'even') }};{% endfor %}", {"l": [1, 2, 3]}),
    ("{{ 'abc'.find('c') }}|{{ 'abc'.find('z') }}|{{ 'a,b'.split(',') | length }}", {}),
    ("{{ [1, [2, 3]] | tojson }}|{{ 3.0 | tojson }}|{{ 1e20 | tojson }}|{{ 1e-7 }}|{{ 123456789.125 }}|{{ 1e16 }}|{{ 1e15 }}|{{ -0.0 }}|{{ 2 ** -1 }}", {}),
]


def snippet_cases(env):
    out = []
    for i, (source, ctx) in enumerate(SNIPPETS):
        entry = {"index": i, "source": source, "context": ctx}
        try:
            entry["expected"] = env.from_string(source).render(**ctx)
        except Exception as e:  # noqa: BLE001 - record what jinja2 says, the Swift side expects a throw
            entry["error"] = f"{type(e).__name__}: {e}"
        out.append(entry)
    return out


if __name__ == "__main__":
    main()
