"""Speed of the SQS event source mapping: what delivering a batch adds to one invocation.

Floor: a warm synchronous ``lambda.invoke`` of the same trivial handler through boto3. A
``send_message_batch`` of 10 messages returns after the mapping has received them, invoked the
function once with ten records and deleted them. The target is on the delivery: that call minus
the same call to a queue without a mapping (moto's own SendMessageBatch cost, the producer's
side), as a ratio to the floor.
"""

from __future__ import annotations

from bench.common import Figure, median_time

HANDLER = """
def handler(event, context):
    return {"batchItemFailures": []}
"""


def _median_send(sqs, url: str, entries: list, repeat: int) -> float:
    """Median time of SendMessageBatch alone; the queue is emptied between calls, untimed."""
    import statistics
    import time

    from moto.sqs.models import sqs_backends

    queue = next(q for b in sqs_backends.values() for r in b.values() for q in r.queues.values()
                 if q.name == url.rsplit("/", 1)[-1])
    samples = []
    for _ in range(repeat + 3):
        t0 = time.perf_counter()
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
        samples.append(time.perf_counter() - t0)
        queue._messages = []
    return statistics.median(samples[3:])


def run() -> list[Figure]:
    import boto3

    from serverless_lab import mock_aws
    from serverless_lab.packaging import lambda_role, zip_code

    figures: list[Figure] = []
    with mock_aws(extensions=["lambda", "integrations"]) as aws:
        lam, sqs = boto3.client("lambda"), boto3.client("sqs")
        lam.create_function(FunctionName="bench-sqs", Runtime="python3.12", Role=lambda_role(),
                            Handler="lambda_function.handler", Code={"ZipFile": zip_code(HANDLER)})
        url = sqs.create_queue(QueueName="bench-sqs")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="bench-sqs", BatchSize=10,
                                        FunctionResponseTypes=["ReportBatchItemFailures"])
        entries = [{"Id": str(i), "MessageBody": f"message {i}"} for i in range(10)]
        integ = aws.extension("integrations")

        plain = sqs.create_queue(QueueName="bench-sqs-plain")["QueueUrl"]
        floor = median_time(lambda: lam.invoke(FunctionName="bench-sqs", Payload=b'{"Records": []}'), 40)
        send_only = _median_send(sqs, plain, entries, 40)
        before = len(integ.sqs.batches)
        batch = median_time(lambda: sqs.send_message_batch(QueueUrl=url, Entries=entries), 40)
        sizes = {b.size for b in list(integ.sqs.batches)[before:]}
        delivery = max(batch - send_only, 0.0)
        figures += [
            Figure("floor: warm lambda.invoke via boto3 (trivial handler)", floor * 1e3, "ms"),
            Figure("SendMessageBatch of 10 to a queue without a mapping", send_only * 1e3, "ms"),
            Figure("SendMessageBatch of 10 -> one invocation, deleted", batch * 1e3, "ms"),
            Figure("  of which the mapping's delivery (batch of 10, one invoke)", delivery * 1e3, "ms",
                   "<= 2x floor", delivery <= 2 * floor and sizes == {10}),
        ]
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure.row())
