package dev.cwb.registry;

import dev.cwb.image.Descriptor;
import dev.cwb.image.Digest;
import dev.cwb.image.Reference;
import dev.cwb.view.Sizes;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prints a pull the way {@code docker pull} does: one line per layer, named by the first 12 hex digits
 * of its digest. On a terminal the lines are redrawn in place with a progress bar (ANSI cursor-up and
 * erase-line); elsewhere (a pipe, a log, a test) a line is printed each time a layer changes state.
 */
public final class PullProgress implements PullListener {
    private static final int BAR = 40;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final boolean terminal;
    private final Map<Digest, Row> rows = new LinkedHashMap<>();
    private int drawnLines;
    private long lastDraw;

    private static final class Row {
        final Descriptor layer;
        LayerState state;
        long done;

        Row(Descriptor layer, LayerState state) {
            this.layer = layer;
            this.state = state;
        }
    }

    public PullProgress(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public synchronized void started(Reference ref) {
        String what = ref.digest() != null ? ref.digest().toString() : ref.tag();
        out.println(what + ": Pulling from " + (ref.domain().equals(Reference.DOCKER_HUB) ? ref.path() : ref.name()));
        out.flush();
    }

    @Override
    public synchronized void layer(Descriptor layer, LayerState state) {
        Row row = rows.computeIfAbsent(layer.digest(), d -> new Row(layer, state));
        if (row.state == LayerState.COMPLETE && state != LayerState.COMPLETE) {
            return;
        }
        row.state = state;
        if (terminal) {
            redraw();
        } else {
            out.println(label(row));
            out.flush();
        }
    }

    @Override
    public synchronized void progress(Descriptor layer, long done) {
        Row row = rows.get(layer.digest());
        if (row == null || row.state == LayerState.COMPLETE) {
            return;
        }
        row.done = done;
        row.state = LayerState.DOWNLOADING;
        long now = System.nanoTime();
        if (terminal && now - lastDraw > REDRAW_NANOS) {
            redraw();
        }
    }

    @Override
    public synchronized void downloaded() {
        if (terminal) {
            redraw();
        }
    }

    private void redraw() {
        StringBuilder s = new StringBuilder();
        if (drawnLines > 0) {
            s.append("\u001b[").append(drawnLines).append('A');
        }
        for (Row row : rows.values()) {
            s.append("\r\u001b[2K").append(label(row)).append('\n');
        }
        out.print(s);
        out.flush();
        drawnLines = rows.size();
        lastDraw = System.nanoTime();
    }

    static String label(Row row) {
        String id = row.layer.digest().shortId() + ": ";
        if (row.state != LayerState.DOWNLOADING) {
            return id + row.state.label();
        }
        return id + "Downloading " + bar(row.done, row.layer.size()) + "  " + Sizes.human(row.done) + "/" + Sizes.human(row.layer.size());
    }

    /** {@code [=========>          ]}, as Docker draws it. */
    static String bar(long done, long total) {
        int filled = total <= 0 ? BAR : (int) Math.min(BAR, done * BAR / total);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < BAR; i++) {
            b.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        return b.append(']').toString();
    }
}
