"""Cognito's hosted OAuth 2.0 endpoints that moto does not serve (the token endpoint)."""
