package io.meterlake.validation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The JSON values of one record, read from Jackson's token stream without converting numbers.
 */
sealed interface Json {
    String type();

    String render();

    static Json read(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Map<String, Json> fields = new LinkedHashMap<>();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_OBJECT; next = parser.nextToken()) {
                    String name = LoneSurrogate.check(parser.currentName(), "a field name");
                    parser.nextToken();
                    fields.put(name, read(parser));
                }
                return new Obj(fields);
            }
            case START_ARRAY -> {
                List<Json> values = new ArrayList<>();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
                    values.add(read(parser));
                }
                return new Arr(values);
            }
            case VALUE_STRING -> {
                String name = parser.currentName();
                return new Text(LoneSurrogate.check(parser.getText(), name == null ? "a string" : name));
            }
            case VALUE_NUMBER_INT -> {
                return new Num(parser.getText(), true);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new Num(parser.getText(), false);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new Bool(token == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return new Null();
            }
            default -> throw new com.fasterxml.jackson.core.JsonParseException(parser, "unexpected " + token);
        }
    }

    record Obj(Map<String, Json> fields) implements Json {
        public String type() {
            return "object";
        }

        public String render() {
            return fields.entrySet().stream()
                    .map(e -> quote(e.getKey()) + ":" + e.getValue().render())
                    .collect(Collectors.joining(",", "{", "}"));
        }
    }

    record Arr(List<Json> values) implements Json {
        public String type() {
            return "array";
        }

        public String render() {
            return values.stream().map(Json::render).collect(Collectors.joining(",", "[", "]"));
        }
    }

    record Text(String value) implements Json {
        public String type() {
            return "string";
        }

        public String render() {
            return quote(value);
        }
    }

    /** A number token as written; {@code integral} when it has no fraction and no exponent. */
    record Num(String literal, boolean integral) implements Json {
        public String type() {
            return "number";
        }

        public String render() {
            return literal;
        }

        /** The value when the token is an integer that fits an int, else null. */
        Integer intValue() {
            if (!integral || literal.length() > 11) {
                return null;
            }
            try {
                return Integer.parseInt(literal);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    record Bool(boolean value) implements Json {
        public String type() {
            return "boolean";
        }

        public String render() {
            return Boolean.toString(value);
        }
    }

    record Null() implements Json {
        public String type() {
            return "null";
        }

        public String render() {
            return "null";
        }
    }

    private static String quote(String text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }
}
