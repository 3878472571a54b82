package dev.sessiongate.confusion;

import java.util.ArrayList;
import java.util.List;

/** Collects what reached the protected resources of one deployment, in arrival order. */
public final class Recorder {
    private final List<RecordedRequest> received = new ArrayList<>();

    public synchronized void record(RecordedRequest request) {
        received.add(request);
    }

    /** Everything recorded since the last call. */
    public synchronized List<RecordedRequest> drain() {
        List<RecordedRequest> drained = List.copyOf(received);
        received.clear();
        return drained;
    }
}
