package io.meterlake.batch.maintain;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterlake.schema.Tables;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code maintain} compacts and vacuums every table of the warehouse: a new table cannot be forgotten. */
class MaintainedTablesTest {
    @Test
    void everyTableIsMaintainedOnce() throws IllegalAccessException {
        List<String> tables = new ArrayList<>();
        for (Field field : Tables.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                tables.add((String) field.get(null));
            }
        }
        assertThat(tables).isNotEmpty();
        assertThat(MaintainJob.TABLES).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(tables);
    }
}
