package io.meterlake.schema;

import static io.meterlake.schema.Columns.*;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The schemas of limit notifications' tables ({@link Tables#LIMIT_NOTIFICATIONS}, {@link Tables#NOTIFICATION_DELIVERIES}). */
public final class NotificationSchemas {
    private NotificationSchemas() {}

    /**
     * The outbox of limit notifications: a threshold crossed or resolved, one row per decision
     * (io.meterlake.limits.Notification). Append-only; two rows of one id are one notification (the first wins).
     */
    public static final StructType LIMIT_NOTIFICATION = new StructType(new StructField[] {
        Tables.required(NOTIFICATION_ID, DataTypes.StringType),
        Tables.required(KIND, DataTypes.StringType),
        Tables.required(PERIOD, DataTypes.StringType),
        Tables.required(SUBSCRIPTION_ID, DataTypes.StringType),
        Tables.nullable(BILLING_ACCOUNT_ID, DataTypes.StringType),
        Tables.required(METRIC, DataTypes.StringType),
        Tables.required(LIMIT_ID, DataTypes.StringType),
        Tables.required(THRESHOLD, DataTypes.StringType),
        Tables.required(THRESHOLD_AMOUNT, Tables.QUANTITY_TYPE),
        Tables.required(LIMIT_AMOUNT, Tables.QUANTITY_TYPE),
        Tables.required(ENFORCEMENT, DataTypes.StringType),
        Tables.required(ORDINAL, DataTypes.IntegerType),
        Tables.required(USED, Tables.QUANTITY_TYPE),
        Tables.required(USAGE_SOURCE, DataTypes.StringType),
        Tables.nullable(AS_OF, DataTypes.TimestampType),
        Tables.required(DECIDED_BY, DataTypes.StringType),
        Tables.required(DECIDED_AT, DataTypes.TimestampType),
    });

    /**
     * Each delivery of a limit notification to a webhook endpoint, and each requeue: append-only, the delivery
     * worker's state (io.meterlake.webhooks.Delivery).
     */
    public static final StructType NOTIFICATION_DELIVERY = new StructType(new StructField[] {
        Tables.required(NOTIFICATION_ID, DataTypes.StringType),
        Tables.required(ENDPOINT, DataTypes.StringType),
        Tables.required(ATTEMPT, DataTypes.IntegerType),
        Tables.required(OUTCOME, DataTypes.StringType),
        Tables.nullable(HTTP_STATUS, DataTypes.IntegerType),
        Tables.nullable(DETAIL, DataTypes.StringType),
        Tables.required(ATTEMPTED_AT, DataTypes.TimestampType),
        Tables.nullable(NEXT_ATTEMPT_AT, DataTypes.TimestampType),
    });
}
