"""Hand-written answers for lab 11's scoring tests: for each question, an answer that states the opposite of
the model answer (it must not be judged correct) and a paraphrase of it in other words (it must be)."""

PAIRS = [
    ("apigw-005", "It is not 29 seconds and it cannot be raised.",
     "The default is 29 s; since mid-2024 a Regional REST API can get a higher limit through a quota request. "
     "Long jobs should answer 202 and finish asynchronously from a queue."),
    ("scale-004", "reserved doesn't cap anything, provisioned isn't pre-warmed, both free",
     "Reserved concurrency guarantees a slice of the account limit and is the ceiling for that function, at no charge. "
     "Provisioned concurrency keeps environments initialised so those requests see no cold start, and you pay for it "
     "the whole time it is configured."),
    ("s3-005", "Just write back to the same bucket; S3 never loops.",
     "Use a different output bucket, or a prefix the notification filter excludes; recursive loop detection is a "
     "last resort."),
    ("sfn-002", "Express is exactly-once and runs up to a year; Standard is at-least-once and priced per request.",
     "Standard runs each step exactly once, can last one year, and is billed per state transition. Express is "
     "at-least-once when asynchronous, lasts at most five minutes and is billed per request and duration."),
    ("scale-008", "Yes, a keep-warm ping handles a spike of 500 requests.",
     "No: a ping keeps a single environment warm, while 500 simultaneous requests need hundreds of new ones. "
     "Size provisioned concurrency for the burst instead."),
    ("s3-002", "S3 delivers each event exactly once, so retries cannot happen and duplicates are impossible.",
     "Notifications are at least once and async invokes are retried, so the same object can be processed more "
     "than once; guard with a conditional write on the key and ETag."),
    ("lambda-003", "The maximum timeout is 5 minutes and memory stops at 3 GB; CPU is not proportional to memory.",
     "Up to 900 seconds, 128 MB to 10,240 MB of memory, and CPU grows in proportion to memory (one vCPU at 1,769 MB)."),
    ("scale-005", "Lambda bursts to 3,000 at once and the per-function rate does not exist any more.",
     "Every function may add 1,000 environments each 10 seconds until it meets the account quota."),
    ("evq-002", "The visibility timeout should equal the function timeout; messages never reappear.",
     "While a consumer works, the message is invisible; if the timeout passes it becomes visible again and is "
     "redelivered, so set it to six times the function timeout."),
    ("stale-005", "Yes, the Init phase is still free.",
     "No: since August 2025 Init is billed like duration; the Billed Duration of a cold start includes it."),
    ("fargate-002", "The container is not sent SIGTERM; it is killed at once and never reaches STOPPED.",
     "ECS sends SIGTERM, waits for the stopTimeout (30 seconds by default), then SIGKILL; the task ends STOPPED. "
     "On Fargate Spot the two-minute warning is that SIGTERM, sent together with the EventBridge event."),
    ("ddb-002", "A Scan is fine: a filter reduces the cost and Scan never gets slower as the table grows.",
     "Query reads one partition by key; Scan reads every item of the table, and a filter still makes you pay for "
     "what was read, so it gets slower and dearer as the table grows."),
    ("evq-004", "Standard queues keep strict order and deliver exactly once; FIFO has no deduplication.",
     "Standard is at-least-once with best-effort order; FIFO keeps order per message group and deduplicates within "
     "a five-minute window, at 300 messages/s per action (3,000 with batching)."),
    ("lambda-010", "Create clients inside the handler on every call; reuse between invocations never happens.",
     "At module level, during init, so that warm invocations reuse them and skip the connection latency."),
    ("lambda-014", "/tmp is durable storage shared by all invocations and is fixed at 512 MB.",
     "Each environment gets /tmp, 512 MB by default and up to 10 GB; it is temporary, a cache at best."),
    ("scale-006", "Throttled synchronous calls are retried by Lambda for 6 hours; asynchronous events are dropped.",
     "A synchronous caller gets a 429 and retries itself; async events are retried by Lambda for up to six hours; "
     "SQS messages stay in the queue."),
    ("apigw-004", "There is no throttling in API Gateway; clients never get a 429.",
     "10,000 requests per second with a 5,000 burst per account and Region, then 429 Too Many Requests; limit per "
     "stage or usage plan and have clients back off."),
    ("lambda-005", "A synchronous payload cannot exceed 256 KB and nothing can be streamed.",
     "6 MB synchronous, 1 MB asynchronous (it used to be 256 KB), and streamed responses up to 200 MB; bigger data "
     "goes to S3 with a pointer."),
    ("ddb-010", "Transactions are not atomic, cost the same as normal writes and have no item limit.",
     "All-or-nothing across up to 100 items, consuming double the capacity, and a conflict raises "
     "TransactionCanceledException."),
    ("fargate-009", "Fargate bills per hour with no minimum, only for vCPU.",
     "Per-second billing with a one-minute minimum, for vCPU and memory (GB) separately, e.g. $0.04048 per "
     "vCPU-hour on x86."),
    ("stale-011", "Still true: the 29-second timeout cannot be increased for any API.",
     "No longer: since June 2024 Regional and private REST APIs can go beyond 29 s via a quota increase, at the "
     "price of a lower throttle quota."),
    ("stale-006", "Always: no execution environment ever handles several requests at once.",
     "Not on Lambda Managed Instances: there one environment serves multiple concurrent requests, so code must be "
     "thread-safe and keep no per-request state in globals."),
    ("lambda-016", "They do not run on EC2; each environment handles one request; there is no management fee.",
     "Lambda runs your function on EC2 instances in your account with several requests per environment; you pay "
     "the EC2 price plus a 15 % management fee, which pays off for steady, high-volume traffic."),
    ("aurora-002", "No, it can never scale to zero; the minimum is 0.5 ACU.",
     "Yes, since 2024 it can auto-pause at 0 ACUs and resume in about 15 seconds; storage is still billed."),
    ("evq-003", "Without ReportBatchItemFailures only the failed message returns; with it the whole batch is retried.",
     "Enable ReportBatchItemFailures in FunctionResponseTypes and return batchItemFailures listing each failed "
     "itemIdentifier; only the failed messages go back and the rest are deleted, instead of the entire batch."),
    ("scale-012", "Relational databases have no connection limit, so a proxy is never needed.",
     "Each environment opens its own connection, so a burst exhausts max_connections; use RDS Proxy to pool, the "
     "Data API, or cap the function with reserved concurrency or a queue."),
    ("lambda-004", "All invocations are synchronous, and asynchronous events are not retried and have no destination.",
     "Synchronous (RequestResponse), asynchronous (Event: retried twice, then a destination or DLQ), and event "
     "source mappings where Lambda polls the source."),
    ("ddb-008", "TTL deletes items exactly at the epoch time and it costs write capacity.",
     "You set an epoch-seconds attribute; a background process deletes expired items at no cost, usually within a "
     "few days, so filter expired items out of reads."),
    ("s3-004", "The largest object is 5 TB and a single PUT can take 5 TB.",
     "Objects up to 50 TB; a single PUT is limited to 5 GB, beyond that you use multipart upload."),
    ("aurora-008", "Parameters do not prevent injection and quoting stays your problem.",
     "Parameters keep values out of the SQL text, which prevents SQL injection, handles quoting, and passes typed "
     "values."),
    ("debug-001", "It is not a timeout; memory is fine, so do not raise anything.",
     "The function timed out at the default 3 s; memory is nearly full, so raise memory (which gives more CPU) and "
     "increase the timeout only if needed."),
    ("stale-003", "Yes, it still bursts to 3,000 at once and there is no per-function rate.",
     "Outdated: each function now scales by 1,000 environments every 10 seconds."),
]
