"""Your HBase table for a question the lab does not answer yet: the top tags of each language.

The grader gives every function below a happybase connection to the lab's Thrift server and
the name of a new table (it drops the table afterwards). It creates the table, loads the
counts of the recording with `load`, then asks `top_tags` for every language; the answers
must equal the counts, and a top 10 must make the region server read at most 10 rows.
"""

from __future__ import annotations

FAMILY = "c"  # one column family is enough here; the task says why


def families() -> dict[str, dict]:
    """The table's column families, as happybase's create_table takes them:
    {family name: {max_versions: ..., compression: ..., bloom_filter_type: ...}}."""
    ### BEGIN SOLUTION
    # One version: a count is replaced, never read back in time. ZSTD: the keys repeat the
    # language and the hex width, which compresses well. No bloom filter: only scanned.
    return {FAMILY: {"max_versions": 1, "compression": "ZSTD", "bloom_filter_type": "NONE"}}
    ### END SOLUTION


def row_key(language: str, tag: str, count: int) -> bytes:
    """The row key of one (language, tag) count. HBase sorts rows by their key's bytes: design
    it so that the rows of one language are consecutive and come by count descending, then by
    tag ascending (a top-N is then the first N rows of a prefix scan)."""
    ### BEGIN SOLUTION
    inverted = (1 << 63) - 1 - count  # fixed width: byte order is count descending
    return f"{language}|{inverted:016x}|{tag}".encode("utf-8", "surrogatepass")
    ### END SOLUTION


def create_table(connection, name: str) -> None:
    ### BEGIN SOLUTION
    connection.create_table(name, families())
    ### END SOLUTION


def load(connection, name: str, counts: dict[str, dict[str, int]]) -> int:
    """Write every count ({language: {tag: statuses}}) in batches; return the rows written."""
    ### BEGIN SOLUTION
    table = connection.table(name)
    rows = 0
    with table.batch(batch_size=1000) as batch:
        for language, tags in counts.items():
            for tag, count in tags.items():
                batch.put(row_key(language, tag, count), {f"{FAMILY}:n".encode(): str(count).encode()})
                rows += 1
    return rows
    ### END SOLUTION


def top_tags(connection, name: str, language: str, limit: int = 10) -> list[tuple[str, int]]:
    """The `limit` most used tags of `language`: [(tag, statuses), ...], most used first
    (ties: tag ascending)."""
    ### BEGIN SOLUTION
    table = connection.table(name)
    prefix = f"{language}|".encode("utf-8", "surrogatepass")  # the separator: "en" must not match "en-gb"
    found = []
    # Scanner caching equal to the limit: the region server reads `limit` rows, not 1,000.
    for key, cells in table.scan(row_prefix=prefix, limit=limit, batch_size=limit):
        tag = key[len(prefix) + 17:].decode("utf-8", "surrogatepass")
        found.append((tag, int(cells[f"{FAMILY}:n".encode()])))
    return found
    ### END SOLUTION
