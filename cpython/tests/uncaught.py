# An uncaught exception prints its traceback and ends with status 1.
# status: 1
# stderr: KeyError: 'missing'
def inner():
    raise KeyError("missing")
print("before")
inner()
