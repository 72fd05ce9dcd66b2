package dev.cwb.samples;

import dev.cwb.CwbException;
import dev.cwb.image.Platform;
import dev.cwb.testing.Processes;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelloProgramTest {
    @Test
    void theAmd64ProgramRunsHerePrintsItsTextAndExitsZero(@TempDir Path dir) throws Exception {
        Requirements.requireLinux();
        Requirements.require(Platform.host().architecture().equals("amd64"), "needs an amd64 machine to run the amd64 program");
        String text = "Hello, größer als ein Byte!\nsecond line\n";
        Path program = dir.resolve("hello");
        Files.write(program, HelloProgram.forArchitecture("amd64", text));
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
        Processes.Result r = Processes.run(dir, List.of(program.toString()));
        assertEquals(0, r.exitCode());
        assertEquals(text, r.output());
    }

    @Test
    void bothProgramsAreStaticElfExecutablesForTheirMachine() {
        for (String arch : List.of("amd64", "arm64")) {
            byte[] elf = HelloProgram.forArchitecture(arch, "hi\n");
            assertTrue(ElfInfo.isElf(elf));
            assertFalse(ElfInfo.hasInterpreter(elf), "no PT_INTERP: the kernel runs it without a loader");
            ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(2, b.getShort(16), "ET_EXEC");
            assertEquals(arch.equals("amd64") ? 62 : 183, b.getShort(18), "e_machine");
            assertEquals(elf.length, b.getLong(64 + 32), "PT_LOAD maps the whole file");
            assertTrue(new String(elf, StandardCharsets.UTF_8).endsWith("hi\n"), "the text follows the code");
        }
    }

    @Test
    void theArm64CodeAddressesTheTextRightAfterIt() {
        byte[] code = HelloProgram.aarch64Code(3);
        assertEquals(32, code.length);
        int adr = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
        int offset = (((adr >>> 5) & 0x7FFFF) << 2) | ((adr >>> 29) & 3);
        assertEquals(28, offset, "from the adr instruction at byte 4 to the text at byte 32");
        assertEquals(1, adr & 31, "into register x1, the write buffer");
    }

    @Test
    void otherMachinesAndEmptyTextsAreRefusedClearly() {
        CwbException e = assertThrows(CwbException.class, () -> HelloProgram.forArchitecture("s390x", "hi"));
        assertTrue(e.getMessage().contains("amd64 and arm64"), e.getMessage());
        assertThrows(CwbException.class, () -> HelloProgram.forArchitecture("amd64", ""));
    }
}
