"""REST routes: validate the request, authorise the caller, call one action, shape the reply."""
