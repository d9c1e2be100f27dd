"""Lambda's own HTTP door: function URLs (moto stores their configuration; serving them is ours)."""
