package dev.cwb.kernel;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The assembler's bytes against the encoding in the kernel's Documentation/bpf/standardization/instruction-set.rst. */
class EbpfTest {
    private static String hex(Ebpf.Assembler a) {
        return HexFormat.of().formatHex(a.build().bytes());
    }

    @Test
    void encodesOpcodeRegistersOffsetAndImmediateLittleEndian() {
        // LDX|MEM|W = 0x61; dst r2 in the low nibble, src r1 in the high one; offset 4
        assertEquals("6112040000000000", hex(new Ebpf.Assembler().loadWord(2, 1, 4)));
        // ALU64|MOV|K = 0xb7, imm 1; JMP|EXIT = 0x95
        assertEquals("b700000001000000" + "9500000000000000", hex(new Ebpf.Assembler().moveImmediate(0, 1).exit()));
        // ALU64|MOV|X = 0xbf: r3 = r2; ALU|AND|K = 0x54 with 0xffff; ALU|RSH|K = 0x74 by 16
        assertEquals("bf23000000000000" + "54020000ffff0000" + "7403000010000000",
                hex(new Ebpf.Assembler().moveRegister(3, 2).and32(2, 0xffff).shiftRight32(3, 16)));
    }

    @Test
    void jumpsCountInstructionsAfterThemselvesAndGoOnlyForward() {
        Ebpf.Program p = new Ebpf.Assembler()
                .jumpIfNotEqual(2, 1, "no")   // JMP|JNE|K = 0x55, offset +2
                .moveImmediate(0, 1).exit()
                .label("no").moveImmediate(0, 0).exit().build();
        assertEquals("5502020001000000", HexFormat.of().formatHex(p.bytes()).substring(0, 16));
        assertEquals(List.of("0: if r2 != 0x1 goto pc+2", "1: r0 = 1", "2: exit", "3: r0 = 0", "4: exit"), p.listing());
        assertThrows(IllegalStateException.class, () -> new Ebpf.Assembler().label("back").moveImmediate(0, 0)
                .jumpIfEqual(0, 0, "back").exit().build());
        assertThrows(IllegalStateException.class, () -> new Ebpf.Assembler().jumpIfAnySet(3, 4, "nowhere").exit().build());
    }
}
