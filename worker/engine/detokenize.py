"""Turn a growing list of token ids into text chunks that never split a character."""

REPLACEMENT_CHAR = "\ufffd"


class IncrementalDetokenizer:
    """Decodes all generated ids each step and emits what is new since the last emit.

    Byte-level BPE can end a step in the middle of a UTF-8 character; the decoder then shows
    U+FFFD, so such text is held back until the next token completes the character.
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.emitted = ""

    def push(self, token_id: int) -> str:
        self.ids.append(token_id)
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if text.endswith(REPLACEMENT_CHAR) or not text.startswith(self.emitted):
            return ""
        new, self.emitted = text[len(self.emitted) :], text
        return new

    def flush(self) -> str:
        """At the end, emit whatever is left (even an incomplete character)."""
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if not text.startswith(self.emitted):
            return ""
        new, self.emitted = text[len(self.emitted) :], text
        return new
