"""A FIFO queue's SendMessage / SendMessageBatch answers carry the message's SequenceNumber.

SQS API reference, SendMessage (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/
API_SendMessage.html): "SequenceNumber — This parameter applies only to FIFO (first-in-first-out)
queues. The large, non-consecutive number that Amazon SQS assigns to each message. The length of
SequenceNumber is 128 bits. SequenceNumber continues to increase for a particular MessageGroupId."
"""

from __future__ import annotations

import boto3

from serverless_lab import mock_aws


def test_fifo_sends_answer_increasing_sequence_numbers(unique):
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        fifo = sqs.create_queue(QueueName=unique("orders") + ".fifo",
                                Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
        plain = sqs.create_queue(QueueName=unique("plain"))["QueueUrl"]
        first = sqs.send_message(QueueUrl=fifo, MessageBody="a", MessageGroupId="g")
        second = sqs.send_message(QueueUrl=fifo, MessageBody="b", MessageGroupId="g",
                                  MessageDeduplicationId="explicit")
        batch = sqs.send_message_batch(QueueUrl=fifo, Entries=[
            {"Id": "1", "MessageBody": "c", "MessageGroupId": "g"},
            {"Id": "2", "MessageBody": "d", "MessageGroupId": "g"}])["Successful"]
        numbers = [int(first["SequenceNumber"]), int(second["SequenceNumber"]),
                   *(int(e["SequenceNumber"]) for e in batch)]
        assert numbers == sorted(numbers) and len(set(numbers)) == 4
        assert all(len(str(n)) >= 20 for n in numbers)
        assert "SequenceNumber" not in sqs.send_message(QueueUrl=plain, MessageBody="x")
