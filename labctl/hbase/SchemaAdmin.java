// What HBase's Thrift v1 API cannot do, done with the Java Admin API: namespaces, data block
// encoding, pre-splits, flushes and full table descriptions.
//
// labctl runs this file in the hbase-master container with Java's single-file source launcher
// (`java -cp <hbase classpath> SchemaAdmin.java OP ARG... [-- OP ARG...]`): the image has the
// JDK's compiler module but no HBase shell. Every operation is idempotent. Results go to
// stdout, one line each, prefixed "result "; HBase's logging goes to stderr.
//
//   namespace NS                 create the namespace unless it exists
//   drop-namespace NS            disable and delete its tables, then the namespace
//   shape TABLE FAMILY=ENC... HEXKEY...
//                                set the families' DATA_BLOCK_ENCODING where it differs; a table
//                                still empty and in one region is re-created split at the keys
//   ttl TABLE FAMILY=SECONDS...  set the families' TTL where it differs (online: rows are kept)
//   flush TABLE                  write the memstores to store files
//   describe TABLE               the table descriptor and its number of regions
//   storefiles TABLE             each store file's family, codec, encoding, bytes on disk and raw

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.NamespaceDescriptor;
import org.apache.hadoop.hbase.NamespaceNotFoundException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptor;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.filter.FirstKeyOnlyFilter;
import org.apache.hadoop.hbase.io.encoding.DataBlockEncoding;
import org.apache.hadoop.hbase.io.hfile.CacheConfig;
import org.apache.hadoop.hbase.io.hfile.HFile;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.util.CommonFSUtils;

public class SchemaAdmin {
  public static void main(String[] args) throws Exception {
    Configuration conf = HBaseConfiguration.create();
    try (Connection connection = ConnectionFactory.createConnection(conf);
        Admin admin = connection.getAdmin()) {
      for (List<String> op : operations(args)) {
        run(connection, admin, op.get(0), op.subList(1, op.size()));
      }
    }
  }

  static List<List<String>> operations(String[] args) {
    List<List<String>> ops = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("--")) {
        if (!current.isEmpty()) ops.add(current);
        current = new ArrayList<>();
      } else {
        current.add(arg);
      }
    }
    if (!current.isEmpty()) ops.add(current);
    return ops;
  }

  static void run(Connection connection, Admin admin, String op, List<String> a) throws Exception {
    switch (op) {
      case "namespace" -> {
        if (namespaceExists(admin, a.get(0))) {
          result("namespace", a.get(0), "exists");
        } else {
          admin.createNamespace(NamespaceDescriptor.create(a.get(0)).build());
          result("namespace", a.get(0), "created");
        }
      }
      case "drop-namespace" -> {
        if (!namespaceExists(admin, a.get(0))) {
          result("drop-namespace", a.get(0), "absent");
          return;
        }
        for (TableName table : admin.listTableNamesByNamespace(a.get(0))) {
          if (admin.isTableEnabled(table)) admin.disableTable(table);
          admin.deleteTable(table);
        }
        admin.deleteNamespace(a.get(0));
        result("drop-namespace", a.get(0), "dropped");
      }
      case "shape" -> shape(connection, admin, TableName.valueOf(a.get(0)), a.subList(1, a.size()));
      case "ttl" -> ttl(admin, TableName.valueOf(a.get(0)), a.subList(1, a.size()));
      case "flush" -> {
        admin.flush(TableName.valueOf(a.get(0)));
        result("flush", a.get(0), "done");
      }
      case "describe" -> {
        TableName table = TableName.valueOf(a.get(0));
        result("describe", a.get(0), "regions=" + admin.getRegions(table).size());
        for (ColumnFamilyDescriptor family : admin.getDescriptor(table).getColumnFamilies()) {
          result("describe", a.get(0), family.toString());
        }
      }
      case "storefiles" -> storeFiles(connection, TableName.valueOf(a.get(0)));
      default -> throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  static void shape(Connection connection, Admin admin, TableName table, List<String> a) throws Exception {
    TableDescriptor current = admin.getDescriptor(table);
    TableDescriptorBuilder wanted = TableDescriptorBuilder.newBuilder(current);
    List<byte[]> splits = new ArrayList<>();
    boolean encodingChanged = false;
    for (String arg : a) {
      int equals = arg.indexOf('=');
      if (equals < 0) {
        splits.add(HexFormat.of().parseHex(arg));
        continue;
      }
      ColumnFamilyDescriptor family = current.getColumnFamily(Bytes.toBytes(arg.substring(0, equals)));
      if (family == null) throw new IllegalArgumentException(table + " has no family " + arg.substring(0, equals));
      DataBlockEncoding encoding = DataBlockEncoding.valueOf(arg.substring(equals + 1));
      if (family.getDataBlockEncoding() != encoding) {
        wanted.modifyColumnFamily(ColumnFamilyDescriptorBuilder.newBuilder(family).setDataBlockEncoding(encoding).build());
        encodingChanged = true;
      }
    }
    // Splitting a new region one key at a time fails while its daughters still hold
    // references; a table with no row yet is re-created with all its split keys at once.
    if (!splits.isEmpty() && admin.getRegions(table).size() == 1 && isEmpty(connection, table)) {
      admin.disableTable(table);
      admin.deleteTable(table);
      admin.createTable(wanted.build(), splits.toArray(new byte[0][]));
      result("shape", table.getNameAsString(), "recreated", "regions=" + admin.getRegions(table).size());
    } else if (encodingChanged) {
      admin.modifyTable(wanted.build());
      result("shape", table.getNameAsString(), "encoding-set", "regions=" + admin.getRegions(table).size());
    } else {
      result("shape", table.getNameAsString(), "unchanged", "regions=" + admin.getRegions(table).size());
    }
  }

  // The per-person families expire with the lake's retention, a setting that changes: their TTL
  // is altered in place (Thrift v1 has no call for it), leaving every other option as it is.
  static void ttl(Admin admin, TableName table, List<String> a) throws Exception {
    TableDescriptor current = admin.getDescriptor(table);
    List<String> changed = new ArrayList<>();
    for (String arg : a) {
      int equals = arg.indexOf('=');
      if (equals < 0) throw new IllegalArgumentException("expected FAMILY=SECONDS, got " + arg);
      String name = arg.substring(0, equals);
      int seconds = Integer.parseInt(arg.substring(equals + 1));
      ColumnFamilyDescriptor family = current.getColumnFamily(Bytes.toBytes(name));
      if (family == null) throw new IllegalArgumentException(table + " has no family " + name);
      if (family.getTimeToLive() != seconds) {
        admin.modifyColumnFamily(table, ColumnFamilyDescriptorBuilder.newBuilder(family).setTimeToLive(seconds).build());
        changed.add(name + "=" + seconds);
      }
    }
    result("ttl", table.getNameAsString(), changed.isEmpty() ? "unchanged" : "set " + String.join(",", changed));
  }

  // What the region server actually wrote, read from the HFile trailers (not from the schema).
  static void storeFiles(Connection connection, TableName table) throws Exception {
    Configuration conf = connection.getConfiguration();
    Path tableDir = CommonFSUtils.getTableDir(CommonFSUtils.getRootDir(conf), table);
    FileSystem fs = tableDir.getFileSystem(conf);
    for (FileStatus region : fs.listStatus(tableDir)) {
      if (!region.isDirectory() || region.getPath().getName().startsWith(".")) continue;
      for (FileStatus family : fs.listStatus(region.getPath())) {
        String name = family.getPath().getName();
        if (!family.isDirectory() || name.startsWith(".") || name.equals("recovered.edits")) continue;
        for (FileStatus file : fs.listStatus(family.getPath())) {
          if (!file.isFile()) continue;
          try (HFile.Reader reader = HFile.createReader(fs, file.getPath(), CacheConfig.DISABLED, true, conf)) {
            result("storefile", table.getNameAsString(), name,
                "codec=" + reader.getTrailer().getCompressionCodec().getName(),
                "encoding=" + reader.getDataBlockEncoding(),
                "bytes=" + file.getLen(),
                "uncompressed=" + reader.getTrailer().getTotalUncompressedBytes(),
                "entries=" + reader.getEntries());
          }
        }
      }
    }
  }

  static boolean isEmpty(Connection connection, TableName table) throws Exception {
    try (Table t = connection.getTable(table);
        ResultScanner scanner = t.getScanner(new Scan().setLimit(1).setFilter(new FirstKeyOnlyFilter()))) {
      return scanner.next() == null;
    }
  }

  static boolean namespaceExists(Admin admin, String name) throws Exception {
    try {
      admin.getNamespaceDescriptor(name);
      return true;
    } catch (NamespaceNotFoundException e) {
      return false;
    }
  }

  static void result(String... fields) {
    System.out.println("result " + String.join("\t", fields));
  }
}
