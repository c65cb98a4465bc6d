import Testing
import Engine

/// Feeds `deltas` to a matcher and returns everything it emitted (plus `finish()` when no stop
/// was hit) and the stop string it reported.
private func run(_ stops: [String], _ deltas: [String]) throws -> (text: String, stop: String?) {
    var matcher = try StopStringMatcher(stopStrings: stops)
    var text = ""
    for delta in deltas {
        let output = matcher.append(delta)
        text += output.text
        if let stop = output.stopString { return (text, stop) }
    }
    return (text + matcher.finish(), nil)
}

/// Every way to cut `text` into pieces at scalar boundaries, for short texts; at most `limit`.
private func splits(of text: String, limit: Int = 256) -> [[String]] {
    let scalars = Array(text.unicodeScalars)
    guard scalars.count > 1 else { return [[text]] }
    let cuts = scalars.count - 1
    var result: [[String]] = []
    for mask in 0..<min(1 << cuts, limit) {
        var pieces: [String] = [], current = String.UnicodeScalarView()
        for (i, scalar) in scalars.enumerated() {
            current.append(scalar)
            if i < cuts, mask & (1 << i) != 0 { pieces.append(String(current)); current = .init() }
        }
        pieces.append(String(current))
        result.append(pieces)
    }
    return result
}

@Suite struct StopStringMatcherTests {
    @Test func stopInOneDeltaEndsTheOutputBeforeIt() throws {
        var matcher = try StopStringMatcher(stopStrings: ["STOP"])
        #expect(matcher.append("hello STOP and more") == .init(text: "hello ", stopString: "STOP"))
        #expect(matcher.isStopped)
        #expect(matcher.matchedStopString == "STOP")
        #expect(matcher.append("ignored") == .init(text: ""))
        #expect(matcher.finish() == "")
    }

    @Test func stopSplitAcrossManyDeltas() throws {
        var matcher = try StopStringMatcher(stopStrings: ["</answer>"])
        var emitted: [String] = []
        for delta in ["The answer", " is 42<", "/", "ans", "w", "er", ">trailing"] {
            let output = matcher.append(delta)
            emitted.append(output.text)
            if output.hitStop { break }
        }
        #expect(emitted == ["The answer", " is 42", "", "", "", "", ""])
        #expect(matcher.matchedStopString == "</answer>")
    }

    @Test func heldBackPrefixThatIsNotAStopIsReleased() throws {
        var matcher = try StopStringMatcher(stopStrings: ["\n\nUser:"])
        #expect(matcher.append("one\n") == .init(text: "one"))
        #expect(matcher.heldBackText == "\n")
        #expect(matcher.append("\nUs") == .init(text: ""))
        #expect(matcher.append("ed to") == .init(text: "\n\nUsed to"))
        #expect(matcher.heldBackText == "")
        // A held tail can itself restart a match: "\n\n" released only up to the new prefix.
        #expect(matcher.append(" be\n\n\n") == .init(text: " be\n"))
        #expect(matcher.append("User: hi") == .init(text: "", stopString: "\n\nUser:"))
    }

    @Test func finishFlushesHeldBackText() throws {
        var matcher = try StopStringMatcher(stopStrings: ["###", "END"])
        #expect(matcher.append("total: 5 #") == .init(text: "total: 5 "))
        #expect(matcher.append("#") == .init(text: ""))
        #expect(matcher.finish() == "##")
        #expect(!matcher.isStopped)
        #expect(matcher.finish() == "")
    }

    @Test func multiByteCharactersAroundAndInsideStops() throws {
        #expect(try run(["🛑"], ["日本語", "です🛑", "後"]) == ("日本語です", "🛑"))
        #expect(try run(["終わり"], ["物語の", "終", "わ", "り", "です"]) == ("物語の", "終わり"))
        #expect(try run(["終わり"], ["物語の", "終", "わ", "る"]) == ("物語の終わる", nil))
        #expect(try run(["👍🏽 done"], ["ok 👍", "🏽", " do", "ne!"]) == ("ok ", "👍🏽 done"))
        // The family emoji is one Character of five scalars; a stop on its first scalar cuts it.
        #expect(try run(["👨"], ["a👨‍👩‍👧b"]) == ("a", "👨"))
        // A stop that shares a first scalar but then differs is released whole, never halved.
        #expect(try run(["👍🏻"], ["x👍", "🏽y"]) == ("x👍🏽y", nil))
    }

    @Test func matchingIsByScalarsNotCharacters() throws {
        // Decomposed é ("e" + U+0301) contains the scalar "e"; precomposed é (U+00E9) does not.
        #expect(try run(["e"], ["caf", "e\u{301}!"]) == ("caf", "e"))
        #expect(try run(["e"], ["caf\u{E9}!"]) == ("caf\u{E9}!", nil))
        // Stops that are canonically equivalent but differ in scalars are two stop strings.
        #expect(try run(["\u{E9}", "e\u{301}"], ["x\u{E9}"]) == ("x", "\u{E9}"))
        #expect(try run(["\u{E9}", "e\u{301}"], ["xe\u{301}"]) == ("x", "e\u{301}"))
    }

    @Test func severalStopStringsFirstToEndWins() throws {
        // "c" ends before "abcd" could, so generation stops there.
        #expect(try run(["abcd", "c"], ["abcd"]) == ("ab", "c"))
        #expect(try run(["abcd", "bc"], ["xabcd"]) == ("xa", "bc"))
        // Ending at the same place, the longer one wins (it starts earlier).
        #expect(try run(["bc", "abc"], ["xabc"]) == ("x", "abc"))
        #expect(try run(["abc", "bc"], ["xab", "c"]) == ("x", "abc"))
        // Independent stops: whichever comes first in the text.
        #expect(try run(["STOP", "END"], ["the END of the STOP"]) == ("the ", "END"))
        #expect(try run(["STOP", "END"], ["S", "T", "O", "P END"]) == ("", "STOP"))
    }

    @Test func resultDoesNotDependOnHowTextIsSplit() throws {
        let cases: [([String], String)] = [
            (["abcd", "c"], "xxabcd"),
            (["aab"], "aaaab tail"),
            (["\n\n", "Q:"], "A: yes\nQ: no"),
            (["🛑x", "🛑"], "go🛑x"),
            (["aba"], "ababa"),
            (["zz"], "no stop here"),
        ]
        for (stops, text) in cases {
            let whole = try run(stops, [text])
            for pieces in splits(of: text) {
                #expect(try run(stops, pieces) == whole, "\(stops) \(pieces)")
            }
        }
    }

    @Test func withoutStopStringsTextPassesThrough() throws {
        var matcher = try StopStringMatcher(stopStrings: [])
        #expect(matcher.append("anything") == .init(text: "anything"))
        #expect(matcher.finish() == "")
    }

    @Test func emptyStopStringIsRejected() {
        #expect(throws: StopStringError.emptyStopString(index: 1)) {
            try StopStringMatcher(stopStrings: ["ok", "", "fine"])
        }
        #expect(StopStringError.emptyStopString(index: 1).description.contains("remove it"))
    }

    @Test func duplicateStopStringsAreHarmless() throws {
        #expect(try run(["END", "END"], ["a", "EN", "Dz"]) == ("a", "END"))
    }
}
