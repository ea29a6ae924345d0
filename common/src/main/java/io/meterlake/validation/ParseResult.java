package io.meterlake.validation;

import java.util.Objects;

/** Either a {@link ParsedEvent} or the reason the record could not be read as one. */
public record ParseResult(ParsedEvent event, ReasonCode reason, String detail) {

    public ParseResult {
        if ((event == null) == (reason == null)) {
            throw new IllegalArgumentException("exactly one of event and reason");
        }
    }

    static ParseResult ok(ParsedEvent event) {
        return new ParseResult(Objects.requireNonNull(event), null, null);
    }

    static ParseResult rejected(ReasonCode reason, String detail) {
        return new ParseResult(null, Objects.requireNonNull(reason), detail);
    }

    public boolean accepted() {
        return event != null;
    }
}
