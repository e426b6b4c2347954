"""What every API endpoint shares: token authentication, the error shape,
throttling, pagination and the OpenAPI documentation's common parts."""
