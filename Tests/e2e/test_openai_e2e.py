"""End-to-end tests of `conserve serve` with the official `openai` Python client.

Run by `.ci/run` after `swift test`: `python3 Tests/e2e/test_openai_e2e.py BINARY`. Each test
class starts its own server on a free port with its own data directory.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

import httpx
import openai

BINARY = os.environ.get("CONSERVE_BINARY", ".build/debug/conserve")
MODEL = "smollm2"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `conserve serve` process; `kill()` sends SIGKILL, `stop()` SIGTERM."""

    def __init__(self, data_dir, api_key=None, extra=()):
        self.port = free_port()
        self.data_dir = data_dir
        self.api_key = api_key
        args = [BINARY, "serve", "--port", str(self.port), "--threads", "2", "--served-model-name", MODEL,
                "--data-dir", data_dir, "--kv-cache-memory", "256MiB", "--max-body-size", "1MiB", "--policy", "priority",
                "--max-num-seqs", "8", "--batch-concurrency", "4", *extra]
        if api_key:
            args += ["--api-key", api_key]
        self.log = open(os.path.join(data_dir, f"server-{self.port}.log"), "w")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except Exception:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log.name}")
                time.sleep(0.2)
        raise RuntimeError("server did not become healthy")

    def client(self, **kw):
        return openai.OpenAI(base_url=self.url + "/v1", api_key=self.api_key or "unused", max_retries=0, timeout=120, **kw)

    def metrics(self):
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as r:
            samples = {}
            for line in r.read().decode().splitlines():
                if line and not line.startswith("#"):
                    name, value = line.rsplit(" ", 1)
                    samples[name] = float(value)
            return samples

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self.log.close()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        return self.wait(60)

    def wait(self, timeout):
        code = self.process.wait(timeout)
        self.log.close()
        return code

    def refuses_connections(self, within=5):
        deadline = time.time() + within
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except ConnectionRefusedError:
                return True
            time.sleep(0.05)
        return False

    def wait_idle(self, within):
        """Waits until no online request runs and no KV block is used; returns the last metrics."""
        deadline = time.time() + within
        while True:
            m = self.metrics()
            if m.get('conserve_requests_running{class="online"}', 0) == 0 and m.get("conserve_kv_blocks_used", 0) == 0:
                return m
            if time.time() > deadline:
                return m
            time.sleep(0.1)


class OnlineAPITests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="conserve-e2e-")
        cls.server = Server(cls.dir, api_key="e2e-key")
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def test_models(self):
        self.assertEqual([m.id for m in self.client.models.list().data], [MODEL])

    def test_chat_and_streaming_agree(self):
        messages = [{"role": "user", "content": "Name a color."}]
        full = self.client.chat.completions.create(model=MODEL, messages=messages, max_tokens=8, temperature=0)
        self.assertEqual(full.object, "chat.completion")
        self.assertGreater(full.usage.completion_tokens, 0)
        chunks = list(self.client.chat.completions.create(model=MODEL, messages=messages, max_tokens=8, temperature=0,
                                                          stream=True, stream_options={"include_usage": True}))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        self.assertEqual(text, full.choices[0].message.content)
        self.assertEqual(chunks[-1].usage.completion_tokens, full.usage.completion_tokens)

    def test_chat_logprobs(self):
        r = self.client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}], max_tokens=3,
                                                temperature=0, logprobs=True, top_logprobs=2)
        content = r.choices[0].logprobs.content
        self.assertEqual(len(content), r.usage.completion_tokens)
        self.assertTrue(all(len(t.top_logprobs) == 2 and t.logprob <= 0 for t in content))

    def test_completions(self):
        r = self.client.completions.create(model=MODEL, prompt="One, two, three,", max_tokens=4, temperature=0)
        self.assertEqual(r.object, "text_completion")
        self.assertEqual(r.usage.completion_tokens, 4) if r.choices[0].finish_reason == "length" else None
        streamed = "".join(c.choices[0].text for c in self.client.completions.create(
            model=MODEL, prompt="One, two, three,", max_tokens=4, temperature=0, stream=True) if c.choices)
        self.assertEqual(streamed, r.choices[0].text)

    def test_bad_input(self):
        with self.assertRaises(openai.NotFoundError):
            self.client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
        with self.assertRaises(openai.BadRequestError) as bad:
            self.client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}], temperature=5)
        self.assertEqual(bad.exception.body.get("param"), "temperature")
        with self.assertRaises(openai.BadRequestError):
            self.client.completions.create(model=MODEL, prompt="x " * 9000, max_tokens=10)
        with self.assertRaises(openai.AuthenticationError):
            openai.OpenAI(base_url=self.server.url + "/v1", api_key="wrong", max_retries=0).models.list()
        headers = {"Authorization": "Bearer e2e-key", "Content-Type": "application/json"}
        r = httpx.post(self.server.url + "/v1/chat/completions", content=b"{not json", headers=headers)
        self.assertEqual(r.status_code, 400)
        self.assertIn("message", r.json()["error"])
        r = httpx.post(self.server.url + "/v1/completions", content=b'{"prompt": "' + b"a" * (2 << 20) + b'"}', headers=headers)
        self.assertEqual(r.status_code, 413)

    def test_disconnect_frees_the_request(self):
        stream = self.client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "Tell a long story."}], max_tokens=500, stream=True,
            extra_body={"ignore_eos": True})
        for i, _ in enumerate(stream):
            if i == 3:
                break
        stream.close()
        m = self.server.wait_idle(within=10)
        self.assertEqual(m.get('conserve_requests_running{class="online"}'), 0)
        self.assertEqual(m.get("conserve_kv_blocks_used"), 0)

    def test_non_streaming_disconnect_frees_the_request(self):
        # 4000 tokens take far longer than the client's 2 s timeout plus the 5 s allowed below:
        # only cancelling the request on disconnect frees it in time.
        impatient = self.client.with_options(timeout=2)
        calls = {
            "chat": lambda: impatient.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "Tell a long story."}], max_tokens=4000,
                extra_body={"ignore_eos": True}),
            "completions": lambda: impatient.completions.create(
                model=MODEL, prompt="Once upon a time", max_tokens=4000, extra_body={"ignore_eos": True}),
        }
        for name, call in calls.items():
            with self.subTest(name):
                with self.assertRaises(openai.APITimeoutError):  # the client closes its connection
                    call()
                m = self.server.wait_idle(within=5)
                self.assertEqual(m.get('conserve_requests_running{class="online"}'), 0)
                self.assertEqual(m.get("conserve_kv_blocks_used"), 0)


class ShutdownTests(unittest.TestCase):
    """SIGTERM: no new connections, running requests get --shutdown-grace-period, exit 0."""

    def stream(self, client, max_tokens):
        return client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "Tell a long story."}], max_tokens=max_tokens,
            stream=True, extra_body={"ignore_eos": True})

    def test_sigterm_lets_a_running_stream_finish(self):
        server = Server(tempfile.mkdtemp(prefix="conserve-e2e-"), extra=("--shutdown-grace-period", "120"))
        chunks, finish = 0, None
        for chunk in self.stream(server.client(), 48):
            chunks += 1
            if chunks == 3:
                server.process.send_signal(signal.SIGTERM)
                self.assertTrue(server.refuses_connections(), "still accepting connections after SIGTERM")
            if chunk.choices and chunk.choices[0].finish_reason:
                finish = chunk.choices[0].finish_reason
        self.assertEqual(finish, "length")
        self.assertEqual(chunks, 1 + 48)  # the role chunk, then one per token
        self.assertEqual(server.wait(60), 0)

    def test_grace_period_over_cuts_requests_and_exits(self):
        server = Server(tempfile.mkdtemp(prefix="conserve-e2e-"), extra=("--shutdown-grace-period", "1"))
        client = server.client()
        outcome = {}

        def non_streaming():
            try:
                client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=4000,
                                          extra_body={"ignore_eos": True})
                outcome["non-streaming"] = "finished"
            except openai.APIStatusError as e:
                outcome["non-streaming"] = (e.status_code, e.message)

        thread = threading.Thread(target=non_streaming)
        thread.start()
        deadline = time.time() + 30
        while server.metrics().get('conserve_requests_running{class="online"}', 0) < 1 and time.time() < deadline:
            time.sleep(0.05)
        chunks = 0
        with self.assertRaises(openai.APIError) as cut:
            for _ in self.stream(client, 4000):
                chunks += 1
                if chunks == 3:
                    server.process.send_signal(signal.SIGTERM)
                    signalled = time.time()
        self.assertIn("shutting down", cut.exception.message)
        thread.join(30)
        self.assertEqual(outcome["non-streaming"][0], 503)
        self.assertIn("shutting down", outcome["non-streaming"][1])
        self.assertEqual(server.wait(30), 0)
        self.assertLess(time.time() - signalled, 10)  # 1 s of grace, not the 4000 tokens


class BatchAPITests(unittest.TestCase):
    def lines(self, n, max_tokens=4):
        return "\n".join(json.dumps({"custom_id": f"req-{i}", "method": "POST", "url": "/v1/chat/completions",
                                     "body": {"model": MODEL, "max_tokens": max_tokens, "temperature": 0,
                                              "messages": [{"role": "user", "content": f"What is {i} + {i}?"}]}})
                         for i in range(n)).encode()

    def wait(self, client, batch_id, statuses, timeout=600):
        deadline = time.time() + timeout
        while time.time() < deadline:
            batch = client.batches.retrieve(batch_id)
            if batch.status in statuses:
                return batch
            time.sleep(0.5)
        self.fail(f"batch stayed {batch.status}")

    def test_life_cycle_and_cancel(self):
        d = tempfile.mkdtemp(prefix="conserve-e2e-")
        server = Server(d)
        try:
            client = server.client()
            f = client.files.create(file=("input.jsonl", self.lines(6)), purpose="batch")
            self.assertEqual(f.purpose, "batch")
            batch = client.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h")
            batch = self.wait(client, batch.id, {"completed", "failed"})
            self.assertEqual(batch.status, "completed")
            self.assertEqual(batch.request_counts.completed, 6)
            out = client.files.content(batch.output_file_id).text.splitlines()
            self.assertEqual([json.loads(l)["custom_id"] for l in out], [f"req-{i}" for i in range(6)])
            self.assertIn(batch.id, [b.id for b in client.batches.list().data])

            big = client.files.create(file=("big.jsonl", self.lines(200, max_tokens=32)), purpose="batch")
            batch = client.batches.create(input_file_id=big.id, endpoint="/v1/chat/completions", completion_window="24h")
            cancelled = client.batches.cancel(batch.id)
            self.assertIn(cancelled.status, {"cancelling", "cancelled"})
            self.assertEqual(self.wait(client, batch.id, {"cancelled"}).status, "cancelled")

            bad = client.files.create(file=("bad.jsonl", b'{"custom_id": "x"}\n'), purpose="batch")
            failed = client.batches.create(input_file_id=bad.id, endpoint="/v1/chat/completions", completion_window="24h")
            self.assertEqual(failed.status, "failed")
            self.assertTrue(failed.errors.data)
        finally:
            self.assertEqual(server.stop(), 0)

    def interrupt_mid_batch(self, interrupt):
        """Starts a 40-line batch, calls `interrupt(server)` once 5 lines are done, restarts the
        server on the same data directory, and checks every line comes out exactly once, in order."""
        d = tempfile.mkdtemp(prefix="conserve-e2e-")
        server = Server(d)
        client = server.client()
        f = client.files.create(file=("input.jsonl", self.lines(40, max_tokens=16)), purpose="batch")
        batch = client.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h")
        while client.batches.retrieve(batch.id).request_counts.completed < 5:
            time.sleep(0.2)
        interrupt(server)
        server = Server(d)
        try:
            client = server.client()
            done = self.wait(client, batch.id, {"completed", "failed"})
            self.assertEqual(done.status, "completed")
            self.assertEqual(done.request_counts.completed, 40)
            ids = [json.loads(l)["custom_id"] for l in client.files.content(done.output_file_id).text.splitlines()]
            self.assertEqual(ids, [f"req-{i}" for i in range(40)])
        finally:
            self.assertEqual(server.stop(), 0)

    def test_sigkill_mid_batch_loses_and_repeats_nothing(self):
        self.interrupt_mid_batch(lambda server: server.kill())

    def test_sigterm_mid_batch_loses_and_repeats_nothing(self):
        def terminate(server):
            server.process.send_signal(signal.SIGTERM)
            self.assertEqual(server.wait(30), 0)  # batch lines in flight are dropped, not waited for
        self.interrupt_mid_batch(terminate)

if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
