package dev.cwb.cgroup;

import dev.cwb.CwbException;

import java.nio.file.Path;

/** Names of the workbench's groups: one path component, nothing a control file could be mistaken for. */
final class CgroupNames {
    private CgroupNames() {
    }

    static String check(String name) {
        // Letters, digits, '-' and '_' only: no '/', no '.', so never a control file name like memory.max.
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}")) {
            throw CwbException.badInput("not a cgroup name: '" + name + "'",
                    "use letters, digits, '-' and '_' (up to 64), starting with a letter or digit");
        }
        return name;
    }

    static CwbException exists(String name, Path dir) {
        return new CwbException(CwbException.BAD_INPUT, "cgroup " + name + " already exists (" + dir + ")",
                "pick another name, or remove that one first");
    }

    static CwbException noSuchGroup(String name, Path dir) {
        return CwbException.notFound("no cgroup " + name + " (" + dir + " does not exist)", "create it first");
    }
}
