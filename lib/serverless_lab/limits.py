"""Lambda's limits and defaults in one place: the runtime, the simulator, pricing and viz read them here.

Source: AWS Lambda Developer Guide, "Lambda quotas"
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), "Configuring function
memory", "Lambda execution environment" (INIT 10 s), "Asynchronous invocation" (retries),
"Lambda scaling behavior" (1,000 environments every 10 s per function) — checked 2026-11.
Change a number here and every layer follows; tests/test_limits.py checks they agree.
"""

from __future__ import annotations

# -- memory and CPU ----------------------------------------------------------------------------------
MEMORY_MIN_MB = 128
MEMORY_MAX_MB = 10_240
MEMORY_DEFAULT_MB = 128
MB_PER_VCPU = 1_769              # at 1,769 MB a function has the equivalent of one vCPU

# -- time --------------------------------------------------------------------------------------------
TIMEOUT_MIN_S = 1
TIMEOUT_MAX_S = 900              # 15 minutes
TIMEOUT_DEFAULT_S = 3
INIT_TIMEOUT_S = 10.0            # the INIT phase (on-demand environments)
SHUTDOWN_S = 2.0

# -- ephemeral storage (/tmp) -------------------------------------------------------------------------
EPHEMERAL_MIN_MB = 512
EPHEMERAL_MAX_MB = 10_240

# -- payloads ----------------------------------------------------------------------------------------
SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024      # request and response, synchronous
ASYNC_PAYLOAD_BYTES = 1024 * 1024         # asynchronous events (1 MB since October 2025)

# -- code storage (GetAccountSettings' AccountLimit; "Lambda quotas") -------------------------------
CODE_STORAGE_BYTES = 75 * 1024 ** 3      # TotalCodeSize: every deployment package and layer, per region
CODE_SIZE_UNZIPPED_BYTES = 250 * 1024 ** 2   # a function's package and layers, extracted
CODE_SIZE_ZIPPED_BYTES = 50 * 1024 ** 2      # a .zip uploaded directly (larger ones go through S3)

# -- concurrency and scaling ---------------------------------------------------------------------------
ACCOUNT_CONCURRENCY_DEFAULT = 1_000      # per account and region (new accounts may get less)
UNRESERVED_MINIMUM = 100                 # AWS keeps this much unreserved (or the whole limit, if lower)
SCALE_BURST = 1_000                      # environments a function may add ...
SCALE_WINDOW_S = 10.0                    # ... every 10 seconds

# -- asynchronous invocation ----------------------------------------------------------------------------
ASYNC_MAX_RETRIES_DEFAULT = 2            # MaximumRetryAttempts 0-2
ASYNC_RETRY_DELAYS_S = (60.0, 120.0)     # about one minute, then two
ASYNC_MAX_EVENT_AGE_S = 6 * 3600         # MaximumEventAgeInSeconds default and maximum

# -- idle environments (not documented; measured) ----------------------------------------------------------
KEEP_ALIVE_DEFAULT_S = 600.0             # environments reclaimed after about 5-15 minutes idle

# -- billing ---------------------------------------------------------------------------------------------
BILLING_GRANULARITY_MS = 1


def memory_problem(memory_mb: object) -> str | None:
    """None if ``memory_mb`` is a valid Lambda memory size, else what is wrong (for a LabError)."""
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, (int, float)) \
            or not MEMORY_MIN_MB <= memory_mb <= MEMORY_MAX_MB:
        return (f"Lambda memory must be between {MEMORY_MIN_MB} MB and {MEMORY_MAX_MB:,} MB; "
                f"got {memory_mb!r} MB.")
    return None


def timeout_problem(timeout_s: object) -> str | None:
    """None if ``timeout_s`` is a valid function timeout, else what is wrong."""
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) \
            or not TIMEOUT_MIN_S <= timeout_s <= TIMEOUT_MAX_S:
        return (f"A Lambda function's timeout must be between {TIMEOUT_MIN_S} and {TIMEOUT_MAX_S} seconds "
                f"(15 minutes); got {timeout_s!r} s.")
    return None


def unreserved_minimum(account_limit: int) -> int:
    """What AWS keeps unreserved: 100, or the whole account limit if it is lower."""
    return min(UNRESERVED_MINIMUM, account_limit)
