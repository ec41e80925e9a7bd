package io.alarmdigest.model;

/** A request for a user's digest now ({@code SendAlarmDigest} on NATS). */
public record SendAlarmDigest(String userId) {
    public SendAlarmDigest {
        Ids.require("UserID", userId);
    }

    /**
     * @throws InvalidMessageException naming the field that breaks the contract
     */
    public static SendAlarmDigest parse(byte[] payload) {
        return new SendAlarmDigest(Ids.userIdOf(payload));
    }
}
