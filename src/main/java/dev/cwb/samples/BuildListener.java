package dev.cwb.samples;

import dev.cwb.image.Descriptor;

/** What the builder reports as it goes, so the command can print a line per step. */
public interface BuildListener {
    /** The base image's layers are taken over unchanged (same blobs, same diff_ids). */
    void baseReused(String base, int layers);

    /** An instruction made a layer: {@code number} counts from 1 over the whole image, base layers included. */
    void layerMade(int number, Instruction instruction, LayerTar layer, Descriptor blob);

    /** An instruction changed only the config: a history entry with {@code empty_layer: true}, no layer. */
    void configChanged(Instruction instruction);

    BuildListener SILENT = new BuildListener() {
        @Override
        public void baseReused(String base, int layers) {
        }

        @Override
        public void layerMade(int number, Instruction instruction, LayerTar layer, Descriptor blob) {
        }

        @Override
        public void configChanged(Instruction instruction) {
        }
    };
}
