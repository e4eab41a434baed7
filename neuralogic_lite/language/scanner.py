"""The fast path for ground facts: a numba scanner over the bytes of an examples file.

Examples files are almost all statements of ground facts, ``[heads :-] f1, ..., fn.``, where a
fact is ``[value] name[(c1, ..., ck)]``, a constant is a name, number or string and a value a
number, ``[n, ...]`` or ``{d, ...}`` (optionally ``<fixed>``).  ``scan`` reads those statements
into integer columns, interning each distinct token once: no Python object per fact.  Every
other statement (rules with variables, metadata, a stray weight, anything malformed) is left
to Lark: the scanner marks it and the byte range it covers, and ``facts.scan_statements``
hands those ranges to the grammar, so the language has one definition and one set of error
messages.  The terminals below are the grammar's (``grammars/neuralogic.lark``).
"""
from __future__ import annotations

import numpy as np

from ..jit import njit

# token kinds
EOF, NAME, VARIABLE, INT, FLOAT, STRING, IMPLIED, PUNCT, BAD = range(9)
# columns of the literal table (its byte positions are an array of their own)
STATEMENT, PART, NAME_TOKEN, ARITY, WEIGHT_TOKEN = range(5)
HEAD, BODY = 0, 1
# columns of the statement table
START, END, ACCEPTED, FIRST_LITERAL = range(4)

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True, inline="always")
def _is_digit(c):
    return 48 <= c <= 57


@njit(cache=True, inline="always")
def _is_name_char(c):   # [A-Za-z0-9_\-]
    return 97 <= c <= 122 or 65 <= c <= 90 or 48 <= c <= 57 or c == 95 or c == 45


@njit(cache=True)
def _skip(buf, i):
    """Past whitespace (the grammar's WS: space, tab, form feed, CR, LF) and ``%`` comments."""
    n = buf.shape[0]
    while i < n:
        c = buf[i]
        if c == 32 or c == 9 or c == 10 or c == 13 or c == 12:
            i += 1
        elif c == 37:
            while i < n and buf[i] != 10:
                i += 1
        else:
            break
    return i


@njit(cache=True)
def _digits(buf, i):
    n = buf.shape[0]
    while i < n and _is_digit(buf[i]):
        i += 1
    return i


@njit(cache=True)
def _exponent(buf, i):
    """The end of ``[eE][+-]?[0-9]+`` at i, or -1."""
    n = buf.shape[0]
    if i >= n or (buf[i] != 101 and buf[i] != 69):
        return -1
    j = i + 1
    if j < n and (buf[j] == 43 or buf[j] == 45):
        j += 1
    if j >= n or not _is_digit(buf[j]):
        return -1
    return _digits(buf, j)


@njit(cache=True)
def _token(buf, i):
    """``(kind, end)`` of the token starting at ``i``; FLOAT is tried before INT, as its
    priority in the grammar says."""
    n = buf.shape[0]
    if i >= n:
        return EOF, i
    c = buf[i]
    if 97 <= c <= 122:
        j = i + 1
        while j < n and _is_name_char(buf[j]):
            j += 1
        return NAME, j
    if 65 <= c <= 90 or c == 95:
        j = i + 1
        while j < n and _is_name_char(buf[j]):
            j += 1
        return VARIABLE, j
    if _is_digit(c) or ((c == 43 or c == 45) and i + 1 < n and _is_digit(buf[i + 1])):
        j = _digits(buf, i + 1)
        if j + 1 < n and buf[j] == 46 and _is_digit(buf[j + 1]):
            k = _digits(buf, j + 1)
            e = _exponent(buf, k)
            return FLOAT, (k if e < 0 else e)
        e = _exponent(buf, j)
        if e >= 0:
            return FLOAT, e
        return INT, j
    if c == 34:
        j = i + 1
        while j < n and buf[j] != 34 and buf[j] != 10:
            j += 1
        if j < n and buf[j] == 34:
            return STRING, j + 1
        return BAD, i + 1
    if (c == 58 and i + 1 < n and buf[i + 1] == 45) or (c == 60 and i + 1 < n and buf[i + 1] == 61):
        return IMPLIED, i + 2
    if c == 40 or c == 41 or c == 44 or c == 46 or c == 60 or c == 62 or c == 91 or c == 93 or c == 123 \
            or c == 125:
        return PUNCT, i + 1
    return BAD, i + 1


@njit(cache=True)
def _is_import(buf, start, end):
    """Whether a name is ``import``, which the grammar's IMPORT terminal may take (with the
    rest of its line) wherever the lexer allows it: such statements are left to Lark."""
    return end - start == 6 and buf[start] == 105 and buf[start + 1] == 109 and buf[start + 2] == 112 \
        and buf[start + 3] == 111 and buf[start + 4] == 114 and buf[start + 5] == 116


@njit(cache=True)
def _hash(buf, start, end):
    h = _FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(buf[i])) * _FNV_PRIME
    return h


@njit(cache=True)
def _same(buf, a, b, length):
    for k in range(length):
        if buf[a + k] != buf[b + k]:
            return False
    return True


@njit(cache=True)
def _slots(hashes, count, size):
    slots = np.full(size, -1, np.int64)
    mask = np.uint64(size - 1)
    for t in range(count):
        k = hashes[t] & mask
        while slots[k] >= 0:
            k = (k + np.uint64(1)) & mask
        slots[k] = t
    return slots


@njit(cache=True)
def _grow(a):
    bigger = np.empty((a.shape[0] * 2,) + a.shape[1:], a.dtype)
    # element by element: a slice assignment compiles numba's broadcasting and its error
    # messages, seconds of a first run
    flat, old = bigger.reshape(-1), a.reshape(-1)
    for i in range(old.shape[0]):
        flat[i] = old[i]
    return bigger


@njit(cache=True)
def _positive_int(buf, start, end):
    """Whether the INT token is a dimension the grammar accepts (> 0, and small enough to use)."""
    i = start
    if buf[i] == 43:
        i += 1
    elif buf[i] == 45:
        return False
    value = 0
    for k in range(i, end):
        value = value * 10 + (buf[k] - 48)
        if value > 1 << 30:
            return False
    return value > 0


@njit(cache=True)
def _value_end(buf, i):
    """The end of a value (a number, ``[n, ...]`` or ``{d, ...}``) at ``i``, or -1."""
    kind, end = _token(buf, i)
    if kind == INT or kind == FLOAT:
        return end
    if kind != PUNCT or (buf[i] != 91 and buf[i] != 123):
        return -1
    dimensions = buf[i] == 123
    close = 125 if dimensions else 93
    j = end
    while True:
        j = _skip(buf, j)
        kind, end = _token(buf, j)
        if dimensions:
            if kind != INT or not _positive_int(buf, j, end):
                return -1
        elif kind != INT and kind != FLOAT:
            return -1
        j = _skip(buf, end)
        kind, end = _token(buf, j)
        if kind != PUNCT:
            return -1
        if buf[j] == close:
            return end
        if buf[j] != 44:
            return -1
        j = end


@njit(cache=True)
def _weight_end(buf, i):
    """The end of a fact's value at ``i`` (``value`` or ``<value>``), or -1."""
    if buf[i] != 60:
        return _value_end(buf, i)
    end = _value_end(buf, _skip(buf, i + 1))
    if end < 0:
        return -1
    j = _skip(buf, end)
    if j < buf.shape[0] and buf[j] == 62:
        return j + 1
    return -1


@njit(cache=True)
def _resume(buf, i):
    """Where scanning resumes after a statement it cannot read: past the next ``.`` that ends
    its line (strings and comments skipped), or the end of the file."""
    n = buf.shape[0]
    while True:
        i = _skip(buf, i)
        kind, end = _token(buf, i)
        if kind == EOF:
            return n
        if kind == PUNCT and buf[i] == 46:
            j = end
            while j < n and (buf[j] == 32 or buf[j] == 9 or buf[j] == 13 or buf[j] == 12):
                j += 1
            if j >= n or buf[j] == 10 or buf[j] == 37:
                return end
        i = end


@njit(cache=True)
def resume_at(buf, i):
    """A guess at a statement's start at or after byte ``i``: past the next ``.`` that ends a
    line, and past the blanks after it (``i`` may be inside a token: only a guess)."""
    return _skip(buf, _resume(buf, i))


@njit(cache=True)
def _metadata_follows(buf, i):
    """Whether metadata (the grammar's METADATA_OPEN, ``[`` then ``key=``) comes next.  After a
    rule it belongs to the rule; after facts it is a statement of its own, which Lark reads,
    and the facts go with it so that Lark sees what precedes it."""
    n = buf.shape[0]
    i = _skip(buf, i)
    if i >= n or buf[i] != 91:
        return False
    i += 1
    while i < n and (buf[i] == 32 or buf[i] == 9 or buf[i] == 10 or buf[i] == 13 or buf[i] == 12 or buf[i] == 11):
        i += 1
    if i >= n or not (97 <= buf[i] <= 122 or 65 <= buf[i] <= 90 or buf[i] == 95):
        return False
    while i < n and _is_name_char(buf[i]):
        i += 1
    while i < n and (buf[i] == 32 or buf[i] == 9 or buf[i] == 10 or buf[i] == 13 or buf[i] == 12 or buf[i] == 11):
        i += 1
    return i < n and buf[i] == 61


def token_table():
    """An empty table of distinct tokens for ``scan``: ``(tokens, hashes, slots, count)``."""
    return np.empty((1024, 2), np.int64), np.empty(1024, np.uint64), np.full(4096, -1, np.int64), 0


@njit(cache=True, nogil=True)
def scan(buf, start, limit, tokens, hashes, slots, ntok):
    """Scan the statements of ``buf`` (ASCII bytes, block comments already blanked) from byte
    ``start`` on, stopping after the statement that crosses ``limit`` (so a file is read in
    pieces of bounded memory); tokens are interned in the table given (and returned: it grows).

    Returns ``(statements, literals, positions, terms, tokens, hashes, slots, count, end)``: per
    statement its byte range, whether it was read (1) or is left to Lark (0), and its first
    literal; per literal of a read statement its statement (counted from this call's first),
    part (HEAD, BODY), name token, arity and value token (-1 none), and its byte position; the
    term tokens of the literals, in order; the token table (``tokens[t] = (start, end)``) and
    its size; where scanning stopped.
    """
    n = buf.shape[0]
    statements = np.empty((64, 4), np.int64)
    literals = np.empty((1024, 5), np.int32)
    positions = np.empty(1024, np.int64)
    terms = np.empty(1024, np.int32)
    ns = nl = nt = 0
    i = _skip(buf, start)
    while i < n and i < limit:
        start, first_literal, first_term = i, nl, nt
        part, ok = HEAD, False
        while True:       # one literal per pass: [value] name [( constants )]
            weight = -1
            kind, end = _token(buf, i)
            if kind != NAME:
                w_end = _weight_end(buf, i) if kind != EOF else -1
                if w_end < 0:
                    break
                for k in range(i, w_end):
                    if buf[k] == 37:       # a comment inside a value: left to Lark
                        w_end = -1
                        break
                if w_end < 0:
                    break
                weight, tokens, hashes, slots, ntok = _token_id(buf, i, w_end, tokens, hashes, slots, ntok)
                i = _skip(buf, w_end)
                kind, end = _token(buf, i)
                if kind != NAME:
                    break
            if _is_import(buf, i, end):
                break
            name, tokens, hashes, slots, ntok = _token_id(buf, i, end, tokens, hashes, slots, ntok)
            position, arity = i, 0
            i = _skip(buf, end)
            kind, end = _token(buf, i)
            if kind == PUNCT and buf[i] == 40:          # arguments
                i = _skip(buf, end)
                kind, end = _token(buf, i)
                if not (kind == PUNCT and buf[i] == 41):
                    while True:           # a constant, then ',' and another, or the ')'
                        if kind != NAME and kind != INT and kind != FLOAT and kind != STRING \
                                or _is_import(buf, i, end):
                            kind = BAD    # (not a constant: a ')' here followed a ',')
                            break
                        term, tokens, hashes, slots, ntok = _token_id(buf, i, end, tokens, hashes, slots, ntok)
                        if nt == terms.shape[0]:
                            terms = _grow(terms)
                        terms[nt] = term
                        nt += 1
                        arity += 1
                        i = _skip(buf, end)
                        kind, end = _token(buf, i)
                        if kind != PUNCT or buf[i] != 44:
                            break
                        i = _skip(buf, end)
                        kind, end = _token(buf, i)
                    if not (kind == PUNCT and buf[i] == 41):
                        break
                i = _skip(buf, end)
                kind, end = _token(buf, i)
            if nl == literals.shape[0]:
                literals, positions = _grow(literals), _grow(positions)
            literals[nl, STATEMENT] = ns
            literals[nl, PART] = part
            literals[nl, NAME_TOKEN] = name
            literals[nl, ARITY] = arity
            literals[nl, WEIGHT_TOKEN] = weight
            positions[nl] = position
            nl += 1
            if kind == PUNCT and buf[i] == 44:
                i = _skip(buf, end)
                continue
            if kind == IMPLIED and part == HEAD:
                part = BODY
                i = _skip(buf, end)
                continue
            if kind == PUNCT and buf[i] == 46:
                i = end
                ok = not _metadata_follows(buf, i)
            break
        if ns == statements.shape[0]:
            statements = _grow(statements)
        if ok:
            if part == HEAD:                           # no heads: the literals are all body
                for k in range(first_literal, nl):
                    literals[k, PART] = BODY
            statements[ns, END] = i
        else:
            nl, nt = first_literal, first_term
            i = _resume(buf, start)
            statements[ns, END] = i
        statements[ns, START] = start
        statements[ns, ACCEPTED] = 1 if ok else 0
        statements[ns, FIRST_LITERAL] = first_literal
        ns += 1
        i = _skip(buf, i)
    return statements[:ns], literals[:nl], positions[:nl], terms[:nt], tokens, hashes, slots, ntok, i


@njit(cache=True)
def _token_id(buf, start, end, tokens, hashes, slots, count):
    """``_intern``, and the table grown if the token was new: ``(id, tokens, hashes, slots, count)``."""
    t = _intern(buf, start, end, tokens, hashes, slots, count)
    if t == count:
        count += 1
        if count == tokens.shape[0]:
            tokens, hashes = _grow(tokens), _grow(hashes)
        if 2 * count > slots.shape[0]:
            slots = _slots(hashes, count, 2 * slots.shape[0])
    return t, tokens, hashes, slots, count


@njit(cache=True)
def _intern(buf, start, end, tokens, hashes, slots, count):
    """The id of the token ``buf[start:end]``; ``count`` (a new id, recorded) if unseen."""
    h = _hash(buf, start, end)
    mask = np.uint64(slots.shape[0] - 1)
    k = h & mask
    length = end - start
    while True:
        t = slots[k]
        if t < 0:
            slots[k] = count
            tokens[count, 0] = start
            tokens[count, 1] = end
            hashes[count] = h
            return count
        if hashes[t] == h and tokens[t, 1] - tokens[t, 0] == length and _same(buf, tokens[t, 0], start, length):
            return t
        k = (k + np.uint64(1)) & mask


@njit(cache=True)
def first_uses(used, count):
    """The distinct tokens of ``used`` in the order of their first use."""
    seen = np.zeros(count, np.bool_)
    order = np.empty(count, np.int64)
    k = 0
    for t in used:
        if not seen[t]:
            seen[t] = True
            order[k] = t
            k += 1
    return order[:k]
