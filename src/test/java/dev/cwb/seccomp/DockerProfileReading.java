package dev.cwb.seccomp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the profile data file a second way, independently of {@link SeccompProfile} and {@link SeccompFilter}:
 * the names Docker's default profile allows with no argument condition for one architecture and a set of
 * capabilities (includes/excludes of arches and caps; minKernel 4.8 counts as met), that this architecture has.
 */
final class DockerProfileReading {
    private DockerProfileReading() {
    }

    static Set<String> allowedOutright(SeccompArch arch, List<String> caps) {
        JsonNode profile;
        try (InputStream in = SeccompProfile.class.getResourceAsStream("default.json")) {
            profile = new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> allowed = new TreeSet<>();
        for (JsonNode rule : profile.get("syscalls")) {
            if (!rule.get("action").asText().equals("SCMP_ACT_ALLOW") || rule.has("args")) {
                continue;
            }
            if (!matches(rule.path("includes"), arch, caps, true) || matches(rule.path("excludes"), arch, caps, false)) {
                continue;
            }
            for (JsonNode n : rule.get("names")) {
                if (SyscallTable.of(arch).number(n.asText()) >= 0) {
                    allowed.add(n.asText());
                }
            }
        }
        return allowed;
    }

    /** includes: every part holds; excludes: any part holds. */
    private static boolean matches(JsonNode cond, SeccompArch arch, List<String> caps, boolean all) {
        if (cond.isMissingNode()) {
            return all;
        }
        boolean archPart = cond.has("arches") ? contains(cond.get("arches"), arch.goArch()) : all;
        boolean capsPart = all;
        if (cond.has("caps")) {
            capsPart = all;
            for (JsonNode c : cond.get("caps")) {
                boolean has = caps.contains(c.asText());
                capsPart = all ? capsPart && has : capsPart || has;
            }
        }
        return all ? archPart && capsPart : (cond.has("arches") && archPart) || (cond.has("caps") && capsPart);
    }

    private static boolean contains(JsonNode list, String s) {
        for (JsonNode n : list) {
            if (n.asText().equals(s)) {
                return true;
            }
        }
        return false;
    }
}
