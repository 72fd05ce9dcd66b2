package dev.cwb.lesson;

/**
 * A line the learner types in a step. {@link Kind#WORKBENCH} lines ({@code ```cwb} blocks) are workbench
 * commands typed at the {@code cwb>} prompt; {@link Kind#HOST} lines ({@code ```sh} blocks) are ordinary
 * shell commands for a terminal beside the workbench (or {@code :run} in the shell), such as {@code ls}
 * of the store or {@code skopeo inspect}.
 */
public record StepCommand(Kind kind, String text) {
    public enum Kind { WORKBENCH, HOST }

    public String prompt() {
        return kind == Kind.WORKBENCH ? "cwb> " : "$ ";
    }
}
