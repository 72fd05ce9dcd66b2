package dev.cwb.image.archive;

import dev.cwb.image.Descriptor;
import dev.cwb.image.Reference;

import java.util.List;

/**
 * What a load added: each name and the descriptor it now points at, the archive's format, and notes the
 * learner should read (a name guessed from the file name, platforms the archive lacked).
 */
public record LoadResult(ArchiveFormat format, List<Loaded> images, List<String> notes) {
    public record Loaded(Reference reference, Descriptor descriptor) {
    }
}
