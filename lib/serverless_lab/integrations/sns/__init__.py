"""SNS → Lambda: the notification AWS hands a subscribed function (``notifications``)."""
