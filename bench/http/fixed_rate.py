#!/usr/bin/env python3
"""Fixed-rate (open-loop) load for POST /v1/track: a stand-in for wrk2,
which Debian does not package.

Request i is due at start + i / rate. A fixed pool of keep-alive connections
takes due requests in order; a connection that is still waiting for an answer
cannot send, so when the server falls behind, requests go out late and the
delay counts: latency is measured from the time a request was *due*, not from
when it was sent (no coordinated omission, as in wrk2). The latency from the
actual send ("service" latency) is reported too.

Standard library only (asyncio streams, hand-written HTTP/1.1) rather than
aiohttp: the client shares 2 cores with the server and aiohttp costs several
times more CPU per request. Note that asyncio's timer wakes up with about
1 ms granularity, which shows in the low percentiles of the due-time latency.

Message ids are PREFIX-i, or random UUIDs (as real client libraries send
them) with MESSAGE_IDS=uuid in the environment, as in events.lua.

Prints a human-readable report and a line
  RESULT requests=N duration_s=S rps=R p50_ms=... p95_ms=... p99_ms=... p999_ms=... max_ms=...
         non2xx=N socket_errors=N svc_p50_ms=... svc_p99_ms=... late_1ms_pct=...
"""

import argparse
import asyncio
import base64
import gc
import os
import random
import sys
import time
import urllib.parse
import uuid

# Random message ids, as real clients send them (see the module text).
UUIDS = os.environ.get("MESSAGE_IDS") == "uuid"

EVENTS = [
    '"event":"Email Opened","properties":{"campaign":"nov-newsletter"}',
    '"event":"Email Clicked","properties":{"campaign":"nov-newsletter","url":"/pricing"}',
    '"event":"Asset Downloaded","properties":{"category":"case-study","asset":"retail-crm"}',
    '"event":"Asset Downloaded","properties":{"category":"whitepaper","asset":"analytics-101"}',
    '"event":"Webinar Attended","properties":{"webinar":"crm-basics"}',
    '"event":"Form Submitted","properties":{"form":"contact","path":"/contact"}',
]


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


class Run:
    def __init__(self, args):
        u = urllib.parse.urlsplit(args.url)
        self.host, self.port = u.hostname, u.port or 80
        self.path = u.path or "/"
        self.rate = args.rate
        self.total = int(args.rate * args.duration)
        self.prefix = args.prefix
        self.users = args.users
        auth = base64.b64encode(f"{args.write_key}:".encode()).decode()
        self.head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Basic {auth}\r\nContent-Type: application/json\r\n"
        )
        self.next = 0
        self.due_latency = []
        self.service_latency = []
        self.late = 0
        self.non2xx = 0
        self.errors = 0
        self.statuses = {}
        self.start = 0.0
        self.last_done = 0.0

    def request(self, i):
        message = uuid.uuid4() if UUIDS else f"{self.prefix}-{i}"
        body = (
            f'{{"userId":"u{random.randrange(self.users)}","messageId":"{message}",'
            f"{random.choice(EVENTS)}}}"
        ).encode()
        return f"{self.head}Content-Length: {len(body)}\r\n\r\n".encode() + body

    async def connection(self):
        loop = asyncio.get_running_loop()
        reader = writer = None
        while self.next < self.total:
            i = self.next
            self.next += 1
            due = self.start + i / self.rate
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                sent = loop.time()
                if sent - due > 0.001:
                    self.late += 1
                writer.write(self.request(i))
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                    elif name.strip().lower() == b"transfer-encoding":
                        raise RuntimeError("chunked responses are not supported")
                if length:
                    await reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, RuntimeError) as e:
                self.errors += 1
                if self.errors <= 5:
                    print(f"request {i}: {e!r}", file=sys.stderr)
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            now = loop.time()
            self.last_done = now
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if not 200 <= status < 300:
                self.non2xx += 1
            self.due_latency.append(now - due)
            self.service_latency.append(now - sent)
        if writer is not None:
            writer.close()

    async def run(self, connections):
        loop = asyncio.get_running_loop()
        self.start = loop.time() + 0.2
        await asyncio.gather(*(self.connection() for _ in range(connections)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="http://HOST:PORT/v1/track")
    ap.add_argument("--write-key", required=True)
    ap.add_argument("--rate", type=float, default=5000, help="requests per second")
    ap.add_argument("--duration", type=float, default=20, help="seconds")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--prefix", default=f"fr{int(time.time())}", help="messageId prefix")
    ap.add_argument("--users", type=int, default=100_000)
    args = ap.parse_args()

    run = Run(args)
    gc.disable()  # no collector pauses inside the measurement
    cpu0 = time.process_time()
    asyncio.run(run.run(args.connections))
    cpu = time.process_time() - cpu0

    done = len(run.due_latency)
    wall = max(run.last_done - run.start, 1e-9)
    due = sorted(run.due_latency)
    svc = sorted(run.service_latency)
    ms = lambda v: v * 1000  # noqa: E731
    print(f"fixed rate {args.rate:.0f}/s for {args.duration:.0f} s over {args.connections} connections to {args.url}")
    print(f"  {done} requests done in {wall:.2f} s = {done / wall:.1f}/s; statuses {run.statuses}; socket errors {run.errors}")
    print(f"  sent more than 1 ms after due: {run.late} ({100 * run.late / max(done, 1):.2f}%); client CPU {cpu:.1f} s ({100 * cpu / wall:.0f}% of a core)")
    print("  latency from due time (ms):  " + "  ".join(
        f"p{p}={ms(percentile(due, p)):.2f}" for p in (50, 90, 95, 99, 99.9)) + f"  max={ms(due[-1] if due else 0):.2f}")
    print("  latency from send (ms):      " + "  ".join(
        f"p{p}={ms(percentile(svc, p)):.2f}" for p in (50, 90, 95, 99, 99.9)) + f"  max={ms(svc[-1] if svc else 0):.2f}")
    print(
        f"RESULT requests={done} duration_s={wall:.3f} rps={done / wall:.1f}"
        f" p50_ms={ms(percentile(due, 50)):.3f} p95_ms={ms(percentile(due, 95)):.3f}"
        f" p99_ms={ms(percentile(due, 99)):.3f} p999_ms={ms(percentile(due, 99.9)):.3f}"
        f" max_ms={ms(due[-1] if due else 0):.3f} non2xx={run.non2xx} socket_errors={run.errors}"
        f" svc_p50_ms={ms(percentile(svc, 50)):.3f} svc_p99_ms={ms(percentile(svc, 99)):.3f}"
        f" late_1ms_pct={100 * run.late / max(done, 1):.2f} client_cpu_pct={100 * cpu / wall:.0f}"
    )


if __name__ == "__main__":
    main()
