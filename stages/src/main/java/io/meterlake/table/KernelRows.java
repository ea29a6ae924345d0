package io.meterlake.table;

import io.delta.kernel.data.MapValue;
import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.MapType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.TimestampNTZType;
import io.delta.kernel.types.TimestampType;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;

/**
 * Delta Kernel's rows as the Spark rows the jobs' code reads ({@link DeltaReads}): the same column names, types
 * and values Spark's Delta reader gives, so one piece of code serves a row read either way.
 */
final class KernelRows {
    private KernelRows() {}

    /** A Kernel row as a Spark row of the same schema. */
    static Row spark(io.delta.kernel.data.Row row, String table) {
        io.delta.kernel.types.StructType schema = row.getSchema();
        org.apache.spark.sql.types.StructField[] fields = new org.apache.spark.sql.types.StructField[schema.length()];
        Object[] values = new Object[schema.length()];
        for (int i = 0; i < schema.length(); i++) {
            StructField field = schema.at(i);
            fields[i] = new org.apache.spark.sql.types.StructField(
                    field.getName(), type(field, table), field.isNullable(), Metadata.empty());
            values[i] = row.isNullAt(i) ? null : value(row, i, field);
        }
        return new GenericRowWithSchema(values, new org.apache.spark.sql.types.StructType(fields));
    }

    static Object value(io.delta.kernel.data.Row row, int i, StructField field) {
        io.delta.kernel.types.DataType type = field.getDataType();
        if (type instanceof StringType) {
            return row.getString(i);
        } else if (type instanceof IntegerType) {
            return row.getInt(i);
        } else if (type instanceof LongType) {
            return row.getLong(i);
        } else if (type instanceof BooleanType) {
            return row.getBoolean(i);
        } else if (type instanceof TimestampType) {
            return Timestamp.from(instant(row.getLong(i)));
        } else if (type instanceof TimestampNTZType) {
            return java.time.LocalDateTime.ofInstant(instant(row.getLong(i)), java.time.ZoneOffset.UTC);
        } else if (type instanceof DateType) {
            return java.sql.Date.valueOf(java.time.LocalDate.ofEpochDay(row.getInt(i)));
        } else if (type instanceof DecimalType) {
            return row.getDecimal(i);
        } else if (type instanceof BinaryType) {
            return row.getBinary(i);
        } else if (type instanceof MapType) {
            MapValue map = row.getMap(i);
            Map<String, String> entries = new LinkedHashMap<>();
            for (int e = 0; e < map.getSize(); e++) {
                entries.put(
                        map.getKeys().getString(e),
                        map.getValues().isNullAt(e) ? null : map.getValues().getString(e));
            }
            return scala.collection.JavaConverters.mapAsScalaMapConverter(entries)
                    .asScala()
                    .toMap(scala.Predef.$conforms());
        }
        throw new UnsupportedOperationException("column " + field.getName() + " of type " + type + " is not read here");
    }

    private static DataType type(StructField field, String table) {
        io.delta.kernel.types.DataType type = field.getDataType();
        if (type instanceof StringType) {
            return DataTypes.StringType;
        } else if (type instanceof IntegerType) {
            return DataTypes.IntegerType;
        } else if (type instanceof LongType) {
            return DataTypes.LongType;
        } else if (type instanceof BooleanType) {
            return DataTypes.BooleanType;
        } else if (type instanceof TimestampType) {
            return DataTypes.TimestampType;
        } else if (type instanceof TimestampNTZType) {
            return DataTypes.TimestampNTZType;
        } else if (type instanceof DateType) {
            return DataTypes.DateType;
        } else if (type instanceof DecimalType decimal) {
            return DataTypes.createDecimalType(decimal.getPrecision(), decimal.getScale());
        } else if (type instanceof BinaryType) {
            return DataTypes.BinaryType;
        } else if (type instanceof MapType) {
            return DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType);
        }
        throw new UnsupportedOperationException(
                table + "." + field.getName() + " of type " + type + " is not read without Spark");
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
