"""How SQS plugs into moto: the seams of the event source mapping (``mappings``: lab-clock
time, delivery after each send, receive and retention) and of dead-letter queue redrive
(``redrive``: the two actions moto lacks).
"""

from __future__ import annotations

from ...cloud.patching import seam

_EXT = "integrations"
SQS_TIME = seam("moto.sqs.models:unix_time", extension=_EXT,
                why="SQS timestamps, visibility timeouts, delays and retention read the wall clock; "
                    "the course reads the lab clock so aws.clock.advance() ends a visibility timeout.")
SQS_TIME_MS = seam("moto.sqs.models:unix_time_millis", extension=_EXT,
                   why="Same as unix_time, in milliseconds (Message.visible, delayed, mark_received).")
CREATE_MAPPING = seam("moto.awslambda.models:LambdaBackend.create_event_source_mapping", extension=_EXT,
                      why="moto's SQS mapping invokes once per message and skips messages already "
                          "queued; the course validates SQS settings as AWS does and takes the "
                          "mapping over (serverless_lab.integrations.sqs.mappings).")
UPDATE_MAPPING = seam("moto.awslambda.models:LambdaBackend.update_event_source_mapping", extension=_EXT,
                      why="Validate SQS settings as on AWS and deliver what waits once a mapping is "
                          "enabled or changed.")
SEND_MESSAGE = seam("moto.sqs.models:SQSBackend.send_message", extension=_EXT,
                    why="After SendMessage the course's mapping delivers what is due, synchronously.")
SEND_BATCH = seam("moto.sqs.models:SQSBackend.send_message_batch", extension=_EXT,
                  why="After SendMessageBatch the course's mapping delivers what is due (one batch "
                      "for ten messages, not ten invocations).")
CHANGE_VISIBILITY = seam("moto.sqs.models:SQSBackend.change_message_visibility", extension=_EXT,
                         why="A message made visible again is delivered by the course's mapping.")
RETENTION_CHECK = seam("moto.sqs.models:SQSBackend.is_message_valid_based_on_retention_period",
                       extension=_EXT,
                       why="moto recomputes every queue attribute (get_queue_attributes) for each message "
                           "it receives; the same check reads the queue's retention period directly.")
RECEIVE = seam("moto.sqs.models:SQSBackend.receive_message", extension=_EXT,
               why="moto keeps messages past the retention period and ends a receive at the first "
                   "one it meets (the queue looks empty from then on); SQS deletes them: the course "
                   "drops them before each receive.")
RECEIPT_HANDLE = seam("moto.sqs.models:generate_receipt_handle", extension=_EXT,
                      why="moto draws 185 random letters one by one per receive; the same kind of opaque "
                          "handle from os.urandom costs a fraction of that.")
CAMEL_TO_SNAKE = seam("moto.sqs.models:camelcase_to_underscores", extension=_EXT,
                      why="moto converts every attribute name character by character each time a queue's "
                          "attributes are read (once per message sent); the same pure function, cached.")
ADD_MESSAGE = seam("moto.sqs.models:Queue.add_message", extension=_EXT,
                   why="Note which queues got messages (including dead-letter moves) and arm a "
                       "lab-clock timer for delayed messages; give every FIFO message its SequenceNumber, "
                       "increasing per queue (moto gives one only with an explicit deduplication id, "
                       "random, so a SendMessage answer lacks it with content-based deduplication)")
START_MOVE = seam("moto.sqs.responses:SQSResponse.start_message_move_task", extension=_EXT, create=True,
                  why="moto has no StartMessageMoveTask; the course moves a DLQ's messages back (lab 07).")
LIST_MOVES = seam("moto.sqs.responses:SQSResponse.list_message_move_tasks", extension=_EXT, create=True,
                  why="moto has no ListMessageMoveTasks; the course lists the moves it made.")
