"""Stop sequences: cut the text where one appears, holding back what may be the start of one."""


class StopSequenceFilter:
    """Holds back text that might be the start of a stop sequence; cuts the output at one."""

    def __init__(self, stops: tuple[str, ...]):
        self.stops = tuple(s for s in stops if s)
        self.holdback = max((len(s) for s in self.stops), default=1) - 1
        self.text = ""
        self.sent = 0
        self.stopped = False

    def feed(self, new_text: str) -> str:
        """Add decoded text; return the part that is safe to show now."""
        if not self.stops:  # nothing to look for, nothing to hold back
            return new_text
        self.text += new_text
        search_from = max(0, self.sent - self.holdback)
        hits = [i for s in self.stops if (i := self.text.find(s, search_from)) != -1]
        if hits:
            self.stopped = True
            return self._send_until(min(hits))
        return self._send_until(max(self.sent, len(self.text) - self.holdback))

    def finish(self) -> str:
        return "" if self.stopped else self._send_until(len(self.text))

    def _send_until(self, end: int) -> str:
        chunk, self.sent = self.text[self.sent : end], max(self.sent, end)
        return chunk
