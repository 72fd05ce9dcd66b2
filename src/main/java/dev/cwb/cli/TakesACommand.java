package dev.cwb.cli;

/**
 * Marks a command whose trailing words are a command line for inside the container ({@code exec sh -c
 * "..."}, {@code run busybox ls -l}): the workbench stops reading its own options at the first of them.
 */
interface TakesACommand {
}
