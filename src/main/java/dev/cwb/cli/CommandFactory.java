package dev.cwb.cli;

import dev.cwb.Workbench;
import picocli.CommandLine;

/** Creates command objects for picocli and hands each the session's {@link Workbench}. */
final class CommandFactory implements CommandLine.IFactory {
    private final Workbench workbench;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    CommandFactory(Workbench workbench) {
        this.workbench = workbench;
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
        K object = fallback.create(cls);
        if (object instanceof WorkbenchCommand command) {
            command.setWorkbench(workbench);
        }
        return object;
    }
}
