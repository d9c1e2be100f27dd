"""DynamoDB Streams → Lambda: the stream event source mapping, each record once and in order
(``mappings``); moto seams in ``seams``."""
