"""End-to-end tests of structured output, logit_bias, n (streamed too) and priority against `conserve serve`,
with the official `openai` client: every schema of Tests/e2e/schemas.json (the Swift tests'
corpus), at temperature 0 and 1, online and in a batch; `client.chat.completions.parse` with a
Pydantic model.

Run by `.ci/run`: `python3 Tests/e2e/test_structured_e2e.py BINARY`.
"""
import concurrent.futures
import json
import os
import sys
import tempfile
import time
import typing
import unittest

import jsonschema
import openai
import pydantic

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_openai_e2e as base  # noqa: E402  (the Server helper)

MODEL = base.MODEL
SCHEMAS = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas.json")))
MAX_TOKENS = 400


def messages(name):
    return [{"role": "user", "content": f"Write one short example of '{name}' data as JSON."}]


def response_format(entry):
    return {"type": "json_schema", "json_schema": {"name": "s" + str(SCHEMAS.index(entry)), "strict": True,
                                                    "schema": entry["schema"]}}


Genre = typing.Annotated[str, pydantic.StringConstraints(max_length=20)]


class Movie(pydantic.BaseModel):
    title: str = pydantic.Field(max_length=30)
    year: int
    genres: list[Genre] = pydantic.Field(max_length=3)


class StructuredOutputTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.server = base.Server(cls.tmp.name)
        cls.client = openai.OpenAI(base_url=cls.server.url + "/v1", api_key="unused", max_retries=0, timeout=900)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def check(self, entry, content, finish_reason, where):
        self.assertEqual(finish_reason, "stop", f"{where} {entry['name']}: ended by length: {content!r}")
        value = json.loads(content)
        jsonschema.validate(value, entry["schema"])

    def test_every_schema_online_at_temperature_0_and_1(self):
        def run(job):
            entry, temperature = job
            r = self.client.chat.completions.create(model=MODEL, messages=messages(entry["name"]), temperature=temperature,
                                                    seed=11, max_tokens=MAX_TOKENS, response_format=response_format(entry))
            return entry, temperature, r.choices[0].message.content, r.choices[0].finish_reason
        jobs = [(entry, t) for entry in SCHEMAS for t in (0, 1)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(run, jobs))
        self.assertEqual(len(results), 2 * len(SCHEMAS))
        # At temperature 1 a model may wander inside a string the schema leaves unbounded (a
        # property name of "free object" did, 600 tokens long, after the KV cache went to f16):
        # the grammar cannot end it, only max_tokens does. One such answer is allowed; every
        # other one must stop and validate, and every answer at temperature 0 must.
        wandered = [e["name"] for e, t, _, finish in results if t == 1 and finish == "length"]
        self.assertLessEqual(len(wandered), 1, f"answers at temperature 1 ended by length: {wandered}")
        for entry, temperature, content, finish in results:
            if temperature == 1 and finish == "length":
                continue
            with self.subTest(schema=entry["name"], temperature=temperature):
                self.check(entry, content, finish, f"online t={temperature}")

    def test_every_schema_in_a_batch(self):
        lines = []
        for i, entry in enumerate(SCHEMAS):
            for t in (0, 1):
                body = {"model": MODEL, "messages": messages(entry["name"]), "temperature": t, "seed": 5,
                        "max_tokens": MAX_TOKENS, "response_format": response_format(entry)}
                lines.append(json.dumps({"custom_id": f"{i}-{t}", "method": "POST", "url": "/v1/chat/completions",
                                         "body": body}))
        f = self.client.files.create(file=("schemas.jsonl", ("\n".join(lines) + "\n").encode()), purpose="batch")
        batch = self.client.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h")
        deadline = time.time() + 900
        while batch.status not in ("completed", "failed", "cancelled") and time.time() < deadline:
            time.sleep(1)
            batch = self.client.batches.retrieve(batch.id)
        self.assertEqual(batch.status, "completed")
        self.assertEqual(batch.request_counts.completed, len(lines))
        out = [json.loads(line) for line in self.client.files.content(batch.output_file_id).text.splitlines()]
        self.assertEqual(len(out), len(lines))
        for line in out:
            entry = SCHEMAS[int(line["custom_id"].split("-")[0])]
            choice = line["response"]["body"]["choices"][0]
            with self.subTest(custom_id=line["custom_id"], schema=entry["name"]):
                self.check(entry, choice["message"]["content"], choice["finish_reason"], "batch")

    def test_parse_with_a_pydantic_model(self):
        completion = self.client.chat.completions.parse(
            model=MODEL, messages=[{"role": "user", "content": "Name a famous movie, its year and genres."}],
            temperature=0, max_tokens=MAX_TOKENS, response_format=Movie)
        parsed = completion.choices[0].message.parsed
        self.assertIsInstance(parsed, Movie)
        self.assertLessEqual(len(parsed.genres), 3)

    def test_json_object_on_completions(self):
        r = self.client.completions.create(model=MODEL, prompt="A JSON object describing a dog:", temperature=0,
                                           max_tokens=MAX_TOKENS, extra_body={"response_format": {"type": "json_object"}})
        self.assertEqual(r.choices[0].finish_reason, "stop", r.choices[0].text)
        self.assertIsInstance(json.loads(r.choices[0].text), dict)

    def test_unsupported_schema_feature_is_a_400_naming_it(self):
        with self.assertRaises(openai.BadRequestError) as caught:
            self.client.chat.completions.create(
                model=MODEL, messages=messages("x"), response_format={"type": "json_schema", "json_schema": {
                    "name": "x", "schema": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}}}})
        self.assertIn("minimum", caught.exception.message)
        self.assertEqual(caught.exception.body["param"], "response_format.json_schema.schema")

    WEATHER = [{"type": "function", "function": {
        "name": "get_weather", "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20},
                                                        "unit": {"enum": ["c", "f"]}},
                       "required": ["city", "unit"], "additionalProperties": False}}}]
    ASK = [{"role": "user", "content": "What is the weather in Paris?"}]

    def check_call(self, call):
        self.assertEqual(call.type, "function")
        self.assertTrue(call.id.startswith("call_"))
        self.assertEqual(call.function.name, "get_weather")
        jsonschema.validate(json.loads(call.function.arguments), self.WEATHER[0]["function"]["parameters"])

    def test_tool_choice_required_named_and_none(self):
        for choice in ("required", {"type": "function", "function": {"name": "get_weather"}}):
            r = self.client.chat.completions.create(model=MODEL, messages=self.ASK, tools=self.WEATHER, tool_choice=choice,
                                                    temperature=0, max_tokens=MAX_TOKENS, parallel_tool_calls=False)
            self.assertEqual(r.choices[0].finish_reason, "tool_calls", r.choices[0].message)
            self.assertIsNone(r.choices[0].message.content)
            self.assertEqual(len(r.choices[0].message.tool_calls), 1)
            self.check_call(r.choices[0].message.tool_calls[0])
        r = self.client.chat.completions.create(model=MODEL, messages=self.ASK, tools=self.WEATHER, tool_choice="none",
                                                temperature=0, max_tokens=8)
        self.assertIsNone(r.choices[0].message.tool_calls)
        self.assertTrue(r.choices[0].message.content)

    def test_tool_choice_auto_answers_a_call_or_text(self):
        r = self.client.chat.completions.create(model=MODEL, messages=self.ASK, tools=self.WEATHER, temperature=0,
                                                max_tokens=MAX_TOKENS)
        message = r.choices[0].message
        if message.tool_calls:
            self.assertEqual(r.choices[0].finish_reason, "tool_calls")
            for call in message.tool_calls:
                self.check_call(call)
        else:
            self.assertEqual(r.choices[0].finish_reason, "stop")
            self.assertIsInstance(message.content, str)

    def test_tool_result_goes_back_and_streams_parse(self):
        r = self.client.chat.completions.create(model=MODEL, messages=self.ASK, tools=self.WEATHER, tool_choice="required",
                                                temperature=0, max_tokens=MAX_TOKENS, parallel_tool_calls=False)
        call = r.choices[0].message.tool_calls[0]
        conversation = self.ASK + [r.choices[0].message.model_dump(exclude_none=True),
                                   {"role": "tool", "tool_call_id": call.id, "content": "18 C and sunny"}]
        answer = self.client.chat.completions.create(model=MODEL, messages=conversation, tools=self.WEATHER,
                                                     tool_choice="none", temperature=0, max_tokens=16)
        self.assertTrue(answer.choices[0].message.content)
        with self.client.chat.completions.stream(model=MODEL, messages=self.ASK, tools=self.WEATHER, tool_choice="required",
                                                 temperature=0, max_tokens=MAX_TOKENS, parallel_tool_calls=False) as stream:
            for _ in stream:
                pass
            final = stream.get_final_completion()
        self.assertEqual(final.choices[0].finish_reason, "tool_calls")
        self.check_call(final.choices[0].message.tool_calls[0])

    BOOK = [{"type": "function", "function": {
        "name": "book_trip", "description": "Book a train trip",
        "parameters": {"type": "object", "properties": {
            "origin": {"type": "string", "maxLength": 30}, "destination": {"type": "string", "maxLength": 30},
            "date": {"type": "string", "format": "date"}, "travellers": {"type": "integer"},
            "seats": {"enum": ["window", "aisle", "any"]}, "notes": {"type": "string", "maxLength": 60}},
            "required": ["origin", "destination", "date", "travellers", "seats", "notes"], "additionalProperties": False}}}]
    ASK_TRIP = [{"role": "user", "content": "Book a train from Paris to Rome on 2025-06-01 for 2 people, window seats."}]

    def test_streamed_call_comes_in_fragments_and_accumulates_to_the_plain_call(self):
        request = dict(model=MODEL, messages=self.ASK_TRIP, tools=self.BOOK, tool_choice="required", parallel_tool_calls=False,
                       temperature=0, max_tokens=MAX_TOKENS)
        plain = self.client.chat.completions.create(**request)
        self.assertEqual(plain.choices[0].finish_reason, "tool_calls")
        expected = plain.choices[0].message.tool_calls[0]
        starts, fragments, argument_events = [], [], []
        with self.client.chat.completions.stream(**request) as stream:
            for event in stream:
                if event.type == "chunk":
                    for choice in event.chunk.choices:
                        for call in choice.delta.tool_calls or []:
                            (starts if call.id is not None else fragments).append(call)
                elif event.type == "tool_calls.function.arguments.delta":
                    argument_events.append(event.arguments_delta)
            final = stream.get_final_completion()
        # The first delta names the call, with empty arguments; the arguments follow in pieces.
        self.assertEqual(len(starts), 1)
        self.assertEqual((starts[0].index, starts[0].type, starts[0].function.name, starts[0].function.arguments),
                         (0, "function", "book_trip", ""))
        self.assertTrue(starts[0].id.startswith("call_"))
        self.assertGreater(len(fragments), 1, "the arguments arrive in more than one delta")
        self.assertTrue(all(f.index == 0 and f.type is None and f.function.name is None for f in fragments))
        self.assertEqual("".join(f.function.arguments for f in fragments), expected.function.arguments)
        self.assertEqual("".join(argument_events), expected.function.arguments)
        # What the client accumulates is the call the plain response has (ids aside).
        self.assertEqual(final.choices[0].finish_reason, "tool_calls")
        call = final.choices[0].message.tool_calls[0]
        self.assertEqual((call.type, call.function.name, call.function.arguments),
                         ("function", expected.function.name, expected.function.arguments))
        self.assertEqual(call.id, starts[0].id)
        jsonschema.validate(json.loads(call.function.arguments), self.BOOK[0]["function"]["parameters"])

    def test_streamed_content_comes_as_it_is_generated(self):
        # tool_choice "auto" in the generic format: the answer may be {"content": "..."}, whose
        # text streams unescaped as it comes; either way the stream adds up to the plain answer.
        # (A limit that cuts the answer short would part them: a stream cannot take back what it sent.)
        request = dict(model=MODEL, messages=[{"role": "user", "content": "Say hello to Ann in one sentence."}],
                       tools=self.WEATHER, parallel_tool_calls=False, temperature=0, max_tokens=MAX_TOKENS)
        plain = self.client.chat.completions.create(**request).choices[0].message
        with self.client.chat.completions.stream(**request) as stream:
            contents = [event.delta for event in stream if event.type == "content.delta"]
            final = stream.get_final_completion().choices[0].message
        self.assertEqual(final.content, plain.content)
        if plain.tool_calls:
            self.assertEqual([(c.function.name, c.function.arguments) for c in final.tool_calls],
                             [(c.function.name, c.function.arguments) for c in plain.tool_calls])
        elif plain.content and len(plain.content) > 10:
            self.assertGreater(len(contents), 1, "content arrives in more than one delta")

    def test_n_logit_bias_and_priority(self):
        r = self.client.chat.completions.create(model=MODEL, messages=messages("greeting"), n=3, seed=3, temperature=1,
                                                max_tokens=5, logit_bias={"0": -100}, extra_body={"priority": -1})
        self.assertEqual([c.index for c in r.choices], [0, 1, 2])
        lengths = [c.finish_reason for c in r.choices]
        if lengths == ["length"] * 3:
            self.assertEqual(r.usage.completion_tokens, 15)
        offline = self.client.completions.create(model=MODEL, prompt="Hello", max_tokens=3, temperature=0,
                                                 extra_body={"priority": 5})
        self.assertEqual(offline.choices[0].finish_reason, "length")

    def test_n_streams_each_choice_by_index(self):
        # Chat: n=2 streamed, accumulated per index, equals the whole answer with the same seed.
        ask = dict(model=MODEL, messages=messages("greeting"), n=2, seed=5, temperature=1, max_tokens=8)
        whole = self.client.chat.completions.create(**ask)
        texts, finishes, roles = {}, {}, {}
        usage = None
        for chunk in self.client.chat.completions.create(**ask, stream=True, stream_options={"include_usage": True}):
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                self.assertNotIn(choice.index, finishes, f"choice {choice.index} goes on after its finish reason")
                if choice.delta.role is not None:
                    roles[choice.index] = choice.delta.role
                texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
                if choice.finish_reason is not None:
                    finishes[choice.index] = choice.finish_reason
        self.assertEqual(roles, {0: "assistant", 1: "assistant"})
        self.assertEqual([texts[i] for i in (0, 1)], [c.message.content for c in whole.choices])
        self.assertEqual([finishes[i] for i in (0, 1)], [c.finish_reason for c in whole.choices])
        self.assertEqual(usage.prompt_tokens, whole.usage.prompt_tokens)
        self.assertEqual(usage.completion_tokens, whole.usage.completion_tokens)

        # Completions: the same, with the client's stream helper types.
        ask = dict(model=MODEL, prompt="Once upon a time", n=2, seed=5, temperature=1, max_tokens=8)
        whole = self.client.completions.create(**ask)
        texts = {}
        for chunk in self.client.completions.create(**ask, stream=True):
            for choice in chunk.choices:
                texts[choice.index] = texts.get(choice.index, "") + choice.text
        self.assertEqual([texts[i] for i in (0, 1)], [c.text for c in whole.choices])

if __name__ == "__main__":
    if len(sys.argv) > 1:
        base.BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
