"""What the first service sets and the test expects back from the last one."""

# Values that some baggage decoder treats specially: `+` (form decoding reads a space), the
# delimiters of the header's own grammar, the escape character itself, and non-ASCII text.
BAGGAGE = {
    "plus": "a+b",
    "slash": "x/y",
    "equals": "k=v",
    "comma": "one,two",
    "percent": "100%",
    "space": "a b",
    "accent": "café",
    "cjk": "日本",
}

# Two vendors' entries, the way a caller upstream of the first service sends them.
TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
