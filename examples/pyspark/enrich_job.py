"""A PySpark job that enriches support tickets through Sluice with ``mapPartitions``.

Each partition runs ``enrich_rows``: one OpenAI client per executor process (its client_credentials token cached
and refreshed there), at most SLUICE_MAX_IN_FLIGHT calls at a time, an Idempotency-Key per ticket, and one output
row per ticket whether it worked or not, so a bad record never fails the stage.

    spark-submit --py-files ../python/sluice_client.py enrich_job.py --input tickets.jsonl --output out/
    python enrich_job.py --no-spark ...   # the same partition function over local lists, without Spark

Executors read SLUICE_URL, SLUICE_TOKEN_URL, SLUICE_CLIENT_ID and SLUICE_CLIENT_SECRET from their environment
(spark.executorEnv.* or your secret store); the secret never travels in a closure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "python"))  # on a cluster: --py-files sluice_client.py

from sluice_client import ClientCredentials, Settings, enrich_partition, make_openai_client  # noqa: E402

SYSTEM_PROMPT = "Classify this support ticket: product area and urgency, one line."
_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def _client_for(session: str):
    """One client (and one cached token) per executor process, reused by every partition it runs."""
    with _clients_lock:
        if session not in _clients:
            settings = Settings.from_env("spark-enrichment", "demo-spark-enrichment-secret", "spark-enrichment")
            settings.session = session
            creds = ClientCredentials(settings.token_url, settings.client_id, settings.client_secret, scope=settings.scope)
            # No approval rules for streaming-jobs: a 2-minute read timeout (hold_seconds=60) frees stuck slots.
            _clients[session] = (settings, creds, make_openai_client(settings, creds, hold_seconds=60))
        return _clients[session]


def enrich_rows(rows: Iterable[dict[str, Any]], session: str) -> Iterator[dict[str, Any]]:
    """The mapPartitions body: ticket dicts in, one result dict per ticket out."""
    settings, _, client = _client_for(session)
    max_in_flight = int(os.environ.get("SLUICE_MAX_IN_FLIGHT", "8"))
    for r in enrich_partition(
        rows,
        client,
        model=settings.model,
        system_prompt=SYSTEM_PROMPT,
        key_of=lambda t: f"ticket-{t['id']}",
        text_of=lambda t: f"Ticket {t['id']}: {t['text']}",
        max_in_flight=max_in_flight,
    ):
        yield {"key": r["key"], "ok": r["ok"], "enrichment": r.get("enrichment"), "status": r.get("status"), "code": r.get("code")}


def run_with_spark(args: argparse.Namespace, session: str) -> list[dict[str, Any]]:
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]")).appName("sluice-enrichment").getOrCreate()
    try:
        tickets = spark.read.json(args.input).repartition(args.partitions)
        out = tickets.rdd.map(lambda row: row.asDict()).mapPartitions(lambda rows: enrich_rows(rows, session))
        df = spark.createDataFrame(out, "key string, ok boolean, enrichment string, status int, code string")
        df.write.mode("overwrite").json(args.output)
        return [row.asDict() for row in spark.read.json(args.output).collect()]
    finally:
        spark.stop()


def run_without_spark(args: argparse.Namespace, session: str) -> list[dict[str, Any]]:
    tickets = [json.loads(line) for line in Path(args.input).read_text().splitlines() if line.strip()]
    partitions = [tickets[i :: args.partitions] for i in range(args.partitions)]
    results = [r for part in partitions for r in enrich_rows(iter(part), session)]
    Path(args.output).mkdir(parents=True, exist_ok=True)
    with open(Path(args.output) / "part-00000.json", "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    return results


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", default=str(HERE.parent / "java-async" / "tickets.jsonl"))
    p.add_argument("--output", default=str(HERE / "out"))
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--no-spark", action="store_true", help="run the partition function over local lists (no pyspark)")
    args = p.parse_args()
    session = os.environ.get("SLUICE_SESSION") or f"spark-enrichment-{int(time.time())}"
    t0 = time.monotonic()
    results = run_without_spark(args, session) if args.no_spark else run_with_spark(args, session)
    ok = sum(1 for r in results if r["ok"])
    failed = [r for r in results if not r["ok"]]
    print(f"{len(results)} tickets in {time.monotonic() - t0:.2f} s over {args.partitions} partitions: {ok} enriched, {len(failed)} failed -> {args.output}")
    for r in results[:3]:
        print(f"  {json.dumps(r)}")
    for r in failed:
        print(f"  failed: {json.dumps(r)}")
    print("RESULT " + json.dumps({"sessions": [session], "ok": ok, "failed": len(failed), "spark": not args.no_spark}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
