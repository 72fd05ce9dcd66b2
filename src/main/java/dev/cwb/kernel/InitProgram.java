package dev.cwb.kernel;

import java.util.HexFormat;

/**
 * cwb-init, the container's first process: a static program of some 500 bytes (523 on x86_64, 440 on
 * aarch64), written by the workbench itself, that makes system calls on the workbench's behalf.
 *
 * <p><b>Why a process of its own.</b> A JVM always runs many threads, and the kernel will not give a
 * multi-threaded process a new user namespace (unshare(2): {@code EINVAL}). A new PID namespace is
 * entered only by children, and /proc for it must be mounted from inside it. runc meets the same wall
 * with Go and answers it with {@code nsexec.c}, C code that runs before the Go runtime starts any thread.
 * The workbench's answer is this program: one thread, no library, nothing but a loop.
 *
 * <p><b>The loop.</b> On descriptor 3 it holds one end of an {@code AF_UNIX SOCK_SEQPACKET} socket pair
 * (messages keep their boundaries). It reads one request into its buffer at {@link #BUFFER} (64 KiB at
 * the fixed address {@link ElfExecutable#DATA}), makes the system call the request names with the six
 * arguments the request gives, and writes back the result followed by the first {@code outlen} bytes of
 * the request's payload, where the call may have written (a wait status, a received descriptor):
 * <pre>
 *   request  [0] number  [8..56) six arguments  [56] outlen  [64..) payload (strings, structs, arrays)
 *   reply    [0] result (or -errno)               [8..) payload[0..outlen)
 * </pre>
 * Pointer arguments are absolute addresses inside the payload: the buffer never moves, so the workbench
 * computes them. When the socket reaches end of file (the workbench went away) the program exits 0.
 *
 * <p><b>What it refuses.</b> A request shorter than its 64-byte header, or whose {@code outlen} asks back
 * more than its payload, is answered {@code -EINVAL} ({@link #REFUSED_SHORT}) without a call: the words it
 * did not send would be the previous request's. The calls that make a process other than {@code clone} —
 * {@code fork} and {@code vfork} on x86_64 (aarch64 has neither), and {@code clone3} in any form but the
 * workbench's own — are answered {@code -ENOSYS} ({@link #REFUSED_CALL}) without a call: their child would
 * come back with the parent's socket, and the two would read each other's answers. The one {@code clone3}
 * it makes is the workbench's clone of a container's PID 1 into its cgroup: the {@code struct clone_args}
 * at the start of the payload (the first argument is the payload's address) and its {@code flags} exactly
 * {@code CLONE_INTO_CGROUP} — no {@code CLONE_VM}, {@code CLONE_THREAD} or other sharing; its child takes
 * its own socket as a clone's does. These replies are cwb-init's, not the kernel's; {@link InitProcess}
 * never sends such requests, and says so if asked to. When its own
 * {@code dup2} (a clone taking its socket) or its reply's {@code write} fails, it cannot answer any more,
 * and exits 1.
 *
 * <p><b>clone.</b> After a {@code clone} or {@code clone3} request the child (result 0) first moves
 * descriptor 4 onto 3 — the workbench hands it a fresh socket there beforehand — so parent and child each
 * talk on their own socket from then on. That is how the container's PID 1 is born after
 * {@code unshare(CLONE_NEWPID)}: by clone3 into its cgroup in {@code run}, by clone in step mode.
 *
 * <p><b>execve.</b> The reply to an execve request goes to descriptor {@link #STATUS_FD}, not 3: the write
 * end of a pipe the workbench hands over just before, close-on-exec, whose read end only the workbench
 * holds ({@link InitProcess}). If the call succeeds the kernel closes the pipe as the new program starts,
 * and the workbench reads end of file there — which nothing else can cause while cwb-init lives (the
 * workbench shutting the control socket, say on Ctrl-C, does not touch the pipe); if it fails, the pipe
 * carries the kernel's errno and cwb-init goes on answering on its socket. This is the status pipe of
 * Go's {@code forkExec} and of runc's {@code runc init}.
 *
 * <p>The machine code, with its assembly (GNU as syntax) beside each instruction, is below. The x86_64
 * version runs natively in the tests. The aarch64 version matches what binutils' {@code aarch64-linux-gnu-as}
 * makes of that assembly, and {@code Arm64ProgramsTest} runs it under qemu-user ({@code qemu-aarch64-static}):
 * requests, pointers into the payload, {@code -errno} replies, {@code outlen}, the refusals, the clone
 * hand-over, the one clone3 form passed on (seen in qemu's {@code -strace} log: its user mode has no
 * clone3) and the exit at end of file. It has not run on real arm64 hardware.
 */
public final class InitProgram {
    /** The request buffer's address in cwb-init. */
    public static final long BUFFER = ElfExecutable.DATA;
    /** The request buffer's size; a request never exceeds it. */
    public static final int BUFFER_SIZE = 65536;
    /** Where a request's payload starts inside the buffer. */
    public static final int PAYLOAD = 64;
    /** The descriptor cwb-init reads requests on and writes replies to. */
    public static final int CONTROL_FD = 3;
    /** The descriptor the child of a clone request takes its own control socket from. */
    public static final int CHILD_CONTROL_FD = 4;
    /** Where cwb-init writes its reply to an execve request: the status pipe. */
    public static final int STATUS_FD = 5;
    /** cwb-init's answer to a request shorter than its header (or asking back more than it sent): -EINVAL. */
    public static final long REFUSED_SHORT = -22;
    /** cwb-init's answer to fork, vfork and any clone3 but the workbench's own, which it never makes: -ENOSYS. */
    public static final long REFUSED_CALL = -38;

    private InitProgram() {
    }

    /** The program for this processor, as a file's bytes. */
    public static byte[] forCurrentArch() {
        return Arch.current() == Arch.AARCH64 ? aarch64() : x86_64();
    }

    static byte[] x86_64() {
        return ElfExecutable.build(ElfExecutable.EM_X86_64, HexFormat.of().parseHex(String.join("",
                // loop:
                "31c0",                     // xor eax, eax              read(3, BUFFER, 65536)
                "bf03000000",               // mov edi, 3
                "be00006000",               // mov esi, 0x600000
                "ba00000100",               // mov edx, 0x10000
                "0f05",                     // syscall
                "4885c0",                   // test rax, rax
                "0f8e36010000",             // jle done                  end of file or error
                "41bc03000000",             // mov r12d, 3               replies go to the control socket
                "48c7c3eaffffff",           // mov rbx, -22              -EINVAL for a request that is
                "4883f840",                 // cmp rax, 64                 shorter than its header
                "0f8cdb000000",             // jl refuse
                "488d48c0",                 // lea rcx, [rax-64]         or asks back more than it sent
                "48390c2538006000",         // cmp [0x600038], rcx       (outlen, unsigned)
                "0f87c9000000",             // ja refuse
                "488b042500006000",         // mov rax, [0x600000]       number
                "4883f83b",                 // cmp rax, 59               execve? (59 = execve)
                "7506",                     // jne notexec
                "41bc05000000",             // mov r12d, 5               its reply goes to the status pipe
                // notexec:
                "48c7c3daffffff",           // mov rbx, -38              -ENOSYS for the other calls that make
                "4883f839",                 // cmp rax, 57                 a process: fork,
                "0f84a4000000",             // je refuse
                "4883f83a",                 // cmp rax, 58                 vfork,
                "0f849a000000",             // je refuse
                "483db3010000",             // cmp rax, 435                and clone3 but in one form:
                "7526",                     // jne args
                "48813c250800600040006000", // cmp qword [0x600008], 0x600040  its clone_args at the payload
                "0f8580000000",             // jne refuse
                "48b90000000002000000",     // mov rcx, 0x200000000      whose flags are CLONE_INTO_CGROUP
                "48390c2540006000",         // cmp [0x600040], rcx         and nothing else
                "756c",                     // jne refuse
                // args:
                "488b3c2508006000",         // mov rdi, [0x600008]       arguments 1..6
                "488b342510006000",         // mov rsi, [0x600010]
                "488b142518006000",         // mov rdx, [0x600018]
                "4c8b142520006000",         // mov r10, [0x600020]
                "4c8b042528006000",         // mov r8,  [0x600028]
                "4c8b0c2530006000",         // mov r9,  [0x600030]
                "0f05",                     // syscall                   the requested call
                "4889c3",                   // mov rbx, rax              keep the result
                "4885c0",                   // test rax, rax
                "753e",                     // jnz reply
                "48833c250000600038",       // cmp qword [0x600000], 56  was it clone (56)
                "740e",                     // je child
                "48813c2500006000b3010000", // cmp qword [0x600000], 435   or clone3 (435)?
                "7525",                     // jne reply
                // child:
                "b821000000",               // mov eax, 33               child: dup2(4, 3)
                "bf04000000",               // mov edi, 4
                "be03000000",               // mov esi, 3
                "0f05",                     // syscall
                "4883f803",                 // cmp rax, 3
                "753a",                     // jne fail                  no socket of its own: it cannot answer
                "eb0c",                     // jmp reply
                // refuse:
                "48c7042538006000" + "00000000", // mov qword [0x600038], 0   nothing but the result goes back
                // reply:
                "488b142538006000",         // mov rdx, [0x600038]       outlen
                "48891c2538006000",         // mov [0x600038], rbx       result goes right before the payload
                "4883c208",                 // add rdx, 8
                "b801000000",               // mov eax, 1                write(r12, 0x600038, 8 + outlen)
                "4489e7",                   // mov edi, r12d
                "be38006000",               // mov esi, 0x600038
                "0f05",                     // syscall
                "4839d0",                   // cmp rax, rdx              all of it written?
                "0f84bafeffff",             // je loop
                // fail:
                "b8e7000000",               // mov eax, 231              exit_group(1)
                "bf01000000",               // mov edi, 1
                "0f05",                     // syscall
                // done:
                "b8e7000000",               // mov eax, 231              exit_group(0)
                "31ff",                     // xor edi, edi
                "0f05")),                   // syscall
                BUFFER_SIZE);
    }

    static byte[] aarch64() {
        int[] code = {
            0xd2a00c13, // movz x19, #0x60, lsl #16      x19 = 0x600000, the buffer
            // loop:
            0xd2800060, // mov x0, #3                    read(3, buffer, 65536)
            0xaa1303e1, // mov x1, x19
            0xd2a00022, // mov x2, #0x10000
            0xd28007e8, // mov x8, #63                   (63 = read)
            0xd4000001, // svc #0
            0xf100001f, // cmp x0, #0
            0x5400070d, // b.le done                     end of file or error
            0xd2800075, // mov x21, #3                   replies go to the control socket
            0x928002b4, // mov x20, #-22                 -EINVAL for a request that is
            0xf101001f, // cmp x0, #64                     shorter than its header
            0x540004eb, // b.lt refuse
            0xd1010009, // sub x9, x0, #64               or asks back more than it sent
            0xf9401e6a, // ldr x10, [x19, #56]           (outlen, unsigned)
            0xeb09015f, // cmp x10, x9
            0x54000468, // b.hi refuse
            0xf9400268, // ldr x8, [x19]                 number
            0xf103751f, // cmp x8, #221                  execve? (221 = execve)
            0x54000041, // b.ne notexec
            0xd28000b5, // mov x21, #5                   its reply goes to the status pipe
            // notexec:
            0x928004b4, // mov x20, #-38                 -ENOSYS for the other call that makes a process,
            0xf106cd1f, // cmp x8, #435                    clone3 (arm64 has no fork, vfork), but in one form:
            0x54000121, // b.ne args
            0xf940066a, // ldr x10, [x19, #8]            its clone_args at the payload
            0x91010269, // add x9, x19, #64
            0xeb09015f, // cmp x10, x9
            0x54000301, // b.ne refuse
            0xf940226a, // ldr x10, [x19, #64]           whose flags are CLONE_INTO_CGROUP
            0xd2c00049, // movz x9, #2, lsl #32            (0x200000000)
            0xeb09015f, // cmp x10, x9                     and nothing else
            0x54000281, // b.ne refuse
            // args:
            0xa9408660, // ldp x0, x1, [x19, #8]         arguments 1..6
            0xa9418e62, // ldp x2, x3, [x19, #24]
            0xa9429664, // ldp x4, x5, [x19, #40]
            0xd4000001, // svc #0                        the requested call
            0xaa0003f4, // mov x20, x0                   keep the result
            0xb50001e0, // cbnz x0, reply
            0xf9400269, // ldr x9, [x19]
            0xf103713f, // cmp x9, #220                  was it clone (220)
            0x54000060, // b.eq child
            0xf106cd3f, // cmp x9, #435                    or clone3 (435)?
            0x54000141, // b.ne reply
            // child:
            0xd2800080, // mov x0, #4                    child: dup3(4, 3, 0)
            0xd2800061, // mov x1, #3
            0xd2800002, // mov x2, #0
            0xd2800308, // mov x8, #24                   (24 = dup3)
            0xd4000001, // svc #0
            0xf1000c1f, // cmp x0, #3
            0x54000181, // b.ne fail                     no socket of its own: it cannot answer
            0x14000002, // b reply
            // refuse:
            0xf9001e7f, // str xzr, [x19, #56]           nothing but the result goes back
            // reply:
            0xf9401e62, // ldr x2, [x19, #56]            outlen
            0xf9001e74, // str x20, [x19, #56]           result goes right before the payload
            0x91002042, // add x2, x2, #8
            0xaa1503e0, // mov x0, x21                   write(x21, buffer + 56, 8 + outlen)
            0x9100e261, // add x1, x19, #56
            0xd2800808, // mov x8, #64                   (64 = write)
            0xd4000001, // svc #0
            0xeb02001f, // cmp x0, x2                    all of it written?
            0x54fff8c0, // b.eq loop
            // fail:
            0xd2800020, // mov x0, #1                    exit_group(1)
            0xd2800bc8, // mov x8, #94                   (94 = exit_group)
            0xd4000001, // svc #0
            // done:
            0xd2800000, // mov x0, #0                    exit_group(0)
            0xd2800bc8, // mov x8, #94
            0xd4000001, // svc #0
        };
        byte[] bytes = new byte[code.length * 4];
        for (int i = 0; i < code.length; i++) {
            for (int k = 0; k < 4; k++) {
                bytes[i * 4 + k] = (byte) (code[i] >>> (8 * k));
            }
        }
        return ElfExecutable.build(ElfExecutable.EM_AARCH64, bytes, BUFFER_SIZE);
    }
}
