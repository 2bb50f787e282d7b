"""Code the server runs inside a notebook's own kernel (through a silent execute request):
find the model variables in the user's namespace, and prepare + verify one of them.

It answers with JSON text, prints nothing, and never changes the user's namespace.
"""
