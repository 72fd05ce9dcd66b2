package dev.cwb.seccomp;

import java.util.List;
import java.util.Set;

/** {@link DockerProfileReading} for tests in other packages. */
public final class DockerProfileReadingAccess {
    private DockerProfileReadingAccess() {
    }

    public static Set<String> allowedOutright(SeccompArch arch, List<String> caps) {
        return DockerProfileReading.allowedOutright(arch, caps);
    }
}
