"""Prints one line from the JSON of `confab db seed --generate --json`."""
import json
import sys

label = sys.argv[1]
r = json.load(sys.stdin)
print(f"{label}: {r['messages']:,} messages in {r['seconds']:.1f} s = {r['messagesPerSecond']:,.0f} messages/s "
      f"(load {r['loadSeconds']:.1f} s, indexes and foreign keys {r['indexSeconds']:.1f} s)")
