"""A real HBase Thrift v1 server, in process: thriftpy2 (what happybase speaks with) serving
the `Hbase` service of happybase's own IDL, buffered transport and binary protocol as the
lab's hbase-thrift. Rows live in the fake HBase's tables (fakehbase.py: same ordering, same
filters), so a test can compare a load through Thrift with one straight into the fake.

Faults are real dropped connections: `drop("mutateRows", applied=True)` makes the next such
call close the client's socket without an answer (after applying it, or before), and the
client sees what it sees in the lab under load, `TTransportException: TSocket read 0 bytes`.
`refuse_connections` closes the listening socket: the server is gone.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from contextlib import contextmanager

import happybase  # noqa: F401  (loads the Hbase_thrift module from its IDL)
from Hbase_thrift import AlreadyExists, ColumnDescriptor, Hbase, IOError as HBaseIOError, TCell, TRowResult
from fakehbase import FakeConnection, _matches
from thriftpy2.protocol import TBinaryProtocolFactory
from thriftpy2.server import TThreadedServer
from thriftpy2.thrift import TProcessor
from thriftpy2.transport import TBufferedTransportFactory, TServerSocket, TTransportException

_OPTIONS = {  # happybase's family options <-> ColumnDescriptor fields
    "max_versions": "maxVersions", "compression": "compression", "in_memory": "inMemory",
    "bloom_filter_type": "bloomFilterType", "bloom_filter_vector_size": "bloomFilterVectorSize",
    "bloom_filter_nb_hashes": "bloomFilterNbHashes", "block_cache_enabled": "blockCacheEnabled",
    "time_to_live": "timeToLive",
}


class Handler:
    def __init__(self, store: FakeConnection):
        self.store = store
        self.lock = threading.Lock()
        self.scanners: dict[int, list] = {}
        self.ids = itertools.count(1)
        self.calls: Counter = Counter()
        self.drops: dict[str, list[bool | None]] = {}  # method -> for its next calls: drop after/before applying, or not
        self.dropped: list[str] = []

    # -- faults ------------------------------------------------------------------------------
    def _call(self, method: str, apply):
        with self.lock:
            self.calls[method] += 1
            planned = self.drops.get(method)
            drop = planned.pop(0) if planned else None
        if drop is False:
            self.dropped.append(method)
            raise TTransportException(TTransportException.END_OF_FILE, f"dropped before {method}")
        with self.lock:
            result = apply()
        if drop is True:
            self.dropped.append(method)
            raise TTransportException(TTransportException.END_OF_FILE, f"dropped after {method}")
        return result

    def _table(self, name: bytes):
        try:
            return self.store.table(name.decode())
        except LookupError:
            raise HBaseIOError(message=f"org.apache.hadoop.hbase.TableNotFoundException: {name.decode()}") from None

    # -- the Hbase service (the calls happybase makes) -------------------------------------
    def getTableNames(self):
        return self._call("getTableNames", lambda: [name.encode() for name in self.store.tables_])

    def createTable(self, tableName, columnFamilies):
        def create():
            name = tableName.decode()
            if name in self.store.tables_:
                raise AlreadyExists(message=f"table {name} exists")
            families = {}
            for descriptor in columnFamilies:
                options = {option: getattr(descriptor, field) for option, field in _OPTIONS.items()
                           if getattr(descriptor, field) is not None}
                for key in ("compression", "bloom_filter_type"):
                    if isinstance(options.get(key), bytes):
                        options[key] = options[key].decode()
                if options.get("time_to_live", -1) == -1:  # the IDL's default: HBase stores "forever"
                    options["time_to_live"] = 2**31 - 1
                families[descriptor.name.decode().rstrip(":")] = options
            self.store.create_table(name, families)
        return self._call("createTable", create)

    def getColumnDescriptors(self, tableName):
        def describe():
            table = self._table(tableName)
            return {f"{family}:".encode(): ColumnDescriptor(name=f"{family}:".encode(), **{
                field: options[option] for option, field in _OPTIONS.items() if option in options})
                for family, options in table.families_.items()}
        return self._call("getColumnDescriptors", describe)

    def _results(self, rows, columns):
        wanted = set(columns or [])
        return [TRowResult(row=key, columns={column: TCell(value=value, timestamp=1)
                                             for column, value in data.items()
                                             if not wanted or column in wanted or column.split(b":")[0] + b":" in wanted})
                for key, data in rows]

    def getRowWithColumns(self, tableName, row, columns, attributes):
        def get():
            table = self._table(tableName)
            return self._results([(row, table.data[row])] if row in table.data else [], columns)
        return self._call("getRowWithColumns", get)

    def getRowsWithColumns(self, tableName, rows, columns, attributes):
        def get():
            table = self._table(tableName)
            return self._results([(row, table.data[row]) for row in rows if row in table.data], columns)
        return self._call("getRowsWithColumns", get)

    def mutateRows(self, tableName, rowBatches, attributes):
        def mutate():
            table = self._table(tableName)
            for batch in rowBatches:
                for mutation in batch.mutations:
                    if mutation.isDelete:
                        # A column without a qualifier is its whole family (how happybase deletes a row).
                        family, colon, qualifier = mutation.column.partition(b":")
                        row = table.data.get(batch.row, {})
                        columns = [mutation.column] if qualifier else [c for c in row if c.startswith(family + b":")]
                        table.delete(batch.row, columns)
                    else:
                        table._put(batch.row, {mutation.column: mutation.value})
        return self._call("mutateRows", mutate)

    def disableTable(self, tableName):
        return self._call("disableTable", lambda: self._table(tableName) and None)

    def isTableEnabled(self, tableName):
        return self._call("isTableEnabled", lambda: bool(self._table(tableName)))

    def deleteTable(self, tableName):
        return self._call("deleteTable", lambda: self._table(tableName) and self.store.tables_.pop(tableName.decode()) and None)

    def scannerOpenWithScan(self, tableName, scan, attributes):
        def open_scanner():
            table = self._table(tableName)
            keys = sorted(table.data, reverse=bool(scan.reversed))
            found = []
            for key in keys:
                if scan.reversed:
                    if scan.startRow and key > scan.startRow or scan.stopRow and key <= scan.stopRow:
                        continue
                elif scan.startRow and key < scan.startRow or scan.stopRow and key >= scan.stopRow:
                    continue
                keep, row = _matches(scan.filterString.decode() if scan.filterString else None, key, table.data[key])
                if keep:
                    found.append((key, dict(row)))
            scanner = next(self.ids)
            self.scanners[scanner] = self._results(found, scan.columns)
            return scanner
        return self._call("scannerOpenWithScan", open_scanner)

    def scannerGetList(self, id, nbRows):
        def take():
            rows = self.scanners.get(id)
            if rows is None:
                raise HBaseIOError(message=f"no scanner {id}")
            taken, self.scanners[id] = rows[:nbRows], rows[nbRows:]
            return taken
        return self._call("scannerGetList", take)

    def scannerClose(self, id):
        return self._call("scannerClose", lambda: self.scanners.pop(id, None) and None)


class ThriftServer:
    def __init__(self, store: FakeConnection | None = None):
        self.store = store or FakeConnection()
        self.handler = Handler(self.store)
        # What thriftpy2's make_server builds, on a port the system picks.
        self._server = TThreadedServer(TProcessor(Hbase, self.handler), TServerSocket(host="127.0.0.1", port=0),
                                       iprot_factory=TBinaryProtocolFactory(decode_response=False),
                                       itrans_factory=TBufferedTransportFactory())
        self._server.trans.listen()
        self.port = self._server.trans.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._server.closed:
            try:
                client = self._server.trans.accept()
            except Exception:
                return
            threading.Thread(target=self._server.handle, args=(client,), daemon=True).start()

    def drop(self, method: str, *, applied: bool, times: int = 1, skip: int = 0) -> None:
        """After `skip` calls of `method` that go through, the next `times` lose their
        connection, after or before applying."""
        self.handler.drops.setdefault(method, []).extend([None] * skip + [applied] * times)

    def refuse_connections(self) -> None:
        self._server.closed = True
        self._server.trans.close()

    def close(self) -> None:
        self.refuse_connections()


@contextmanager
def thrift_server(store: FakeConnection | None = None):
    server = ThriftServer(store)
    try:
        yield server
    finally:
        server.close()
