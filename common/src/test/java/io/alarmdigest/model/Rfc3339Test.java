package io.alarmdigest.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Rfc3339Test {
    @ParameterizedTest
    @CsvSource({
        "2021-06-07T20:40:15.598765212Z, 2021-06-07T20:40:15.598765212Z",
        "2021-06-07T20:40:15.598765210Z, 2021-06-07T20:40:15.59876521Z",
        "2021-06-07T20:40:15.000000000Z, 2021-06-07T20:40:15Z",
        "2021-06-07T20:40:15Z, 2021-06-07T20:40:15Z",
        "2021-06-07T22:40:15.5+02:00, 2021-06-07T20:40:15.5Z",
        "2021-06-07T00:10:00-05:30, 2021-06-07T05:40:00Z",
        "2021-06-07t20:40:15z, 2021-06-07T20:40:15Z",
        "2021-06-07T20:40:15-00:00, 2021-06-07T20:40:15Z",
        "2020-02-29T23:59:59.999999999+14:00, 2020-02-29T09:59:59.999999999Z",
        "0000-01-01T00:00:00Z, 0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z, 9999-12-31T23:59:59.999999999Z",
    })
    void shouldWriteUtcWithoutTrailingZerosLikeGo(String input, String output) {
        assertEquals(output, Rfc3339.format(Rfc3339.parse("ChangedAt", input)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2021-06-07", "2021-06-07T20:40:15", "2021-06-07 20:40:15Z", "2021-06-07T20:40Z",
        "2021-06-07T20:40:15.Z", "2021-06-07T20:40:15.1234567890Z", "2021-13-07T20:40:15Z", "2021-02-29T20:40:15Z",
        "2021-06-07T20:40:60Z", "21-06-07T20:40:15Z", "+2021-06-07T20:40:15Z", "12021-06-07T20:40:15Z",
        "2021-06-07T20:40:15+0200", "2021-06-07T20:40:15+02", "2021-06-07T20:40:15 Z", " 2021-06-07T20:40:15Z",
        "0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"})
    void shouldRejectWhatIsNotAnRfc3339TimeNamingTheField(String input) {
        InvalidMessageException error = assertThrows(InvalidMessageException.class,
            () -> Rfc3339.parse("ChangedAt", input));
        assertEquals(DlqReason.BAD_TIME, error.reason());
        assertTrue(error.getMessage().startsWith("ChangedAt must"), error.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"2021-06-07T20:40:15.1Z, 2021-06-07T20:40:15.100000001Z", "2021-06-07T22:40:15+02:00, 2021-06-07T20:40:16Z"})
    void shouldCompareAsInstantsAtNanosecondPrecision(String earlier, String later) {
        Instant a = Rfc3339.parse("t", earlier);
        Instant b = Rfc3339.parse("t", later);
        assertTrue(a.isBefore(b));
    }
}
