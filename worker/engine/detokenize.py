"""Turn a growing list of token ids into text chunks that never split a character."""

REPLACEMENT_CHAR = "\ufffd"


class IncrementalDetokenizer:
    """Emits the text each new token adds, decoding only a short window of recent ids.

    The window starts at the previous emit point, so the cost per token stays constant (a
    full re-decode every step would grow with the answer). It keeps the tokens before the new
    ones as context, because a tokenizer may render a token differently after a word than at
    the start (SentencePiece's leading space). Byte-level BPE can end a step in the middle of a
    UTF-8 character; the decoder then shows U+FFFD, and that text waits for the next token.
    """

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.prefix_offset = 0  # where the decoded window starts
        self.read_offset = 0  # ids before this are already emitted

    def push(self, token_id: int) -> str:
        self.ids.append(token_id)
        return self._advance(final=False)

    def flush(self) -> str:
        """At the end, emit whatever is left (even an incomplete character)."""
        return self._advance(final=True)

    def _advance(self, *, final: bool) -> str:
        emitted = self._decode(self.ids[self.prefix_offset : self.read_offset])
        text = self._decode(self.ids[self.prefix_offset :])
        if len(text) <= len(emitted) or (text.endswith(REPLACEMENT_CHAR) and not final):
            return ""
        self.prefix_offset, self.read_offset = self.read_offset, len(self.ids)
        return text[len(emitted) :]

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)
