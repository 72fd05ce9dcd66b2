package dev.cwb.kernel;

import java.util.HexFormat;

/**
 * cwb-pid1, the init of {@code run --init}: a static program of 468 bytes on x86_64 (520 on aarch64), written by the workbench as it
 * writes cwb-init ({@link InitProgram}), that runs as the container's PID 1 and starts the command as its
 * child — what {@code docker run --init} does with docker-init (tini), bind-mounted into the container at
 * {@code /sbin/docker-init}. It is a program of its own, not a mode of cwb-init: cwb-init is the workbench's
 * hands (it makes the calls it is asked to, then becomes the command), this one is the command's parent and
 * takes no requests at all.
 *
 * <p><b>Why PID 1 needs one.</b> The kernel treats the first process of a PID namespace as that namespace's
 * init, and an init must not be killed by accident: a signal whose action is the default (terminate, for
 * SIGTERM, SIGINT, SIGHUP...) is dropped for it, unless the sender is in an ancestor namespace and the
 * signal is SIGKILL or SIGSTOP (pid_namespaces(7); signal(7); kernel/signal.c, {@code SIGNAL_UNKILLABLE}
 * in {@code sig_task_ignored}). A {@code sleep} or a shell script as PID 1 installs no handler, so
 * {@code stop}'s SIGTERM and Ctrl-C's SIGINT do nothing to it, and only SIGKILL after the grace period
 * ends it. The same command as a child of cwb-pid1 is an ordinary process: the default action applies.
 *
 * <p><b>Why zombies pile up without it.</b> A process whose parent dies is re-parented to the init of its
 * PID namespace (or a subreaper), and its exit leaves a zombie — its pid and wait status — until that init
 * calls wait(2) (wait(2), NOTES). A command that never expected to be PID 1 (a shell that runs a
 * background job and forgets it, a server whose workers double-fork) never waits for children it did not
 * start, so their zombies stay in the process table for the container's whole life. cwb-pid1 waits for any
 * child each time SIGCHLD comes.
 *
 * <p><b>What it does</b>, started as {@code /sbin/cwb-pid1 PATH ARGV0 ARG...} (PATH is the command's file,
 * ARGV0... its argv, the environment its own):
 * <ol>
 *   <li>{@code rt_sigprocmask(SIG_BLOCK, all)}: every signal is blocked. A blocked signal is never dropped as
 *       "ignored" — it stays pending until taken ({@code sig_ignored}: "Blocked signals are never ignored") —
 *       so PID 1's rule above does not apply to what it waits for.</li>
 *   <li>{@code fork()}. The child: {@code setpgid(0, 0)} (a process group of its own, which the signals go
 *       to), {@code ioctl(0, TIOCSPGRP, its pid)} (when descriptor 0 is its terminal, that group becomes the
 *       foreground one, so Ctrl-C reaches the command straight from the terminal, as tini does; with pipes
 *       the call fails with ENOTTY and changes nothing; SIGTTOU is still blocked, so a background group may
 *       make it), {@code rt_sigprocmask(SIG_SETMASK, none)} (a blocked mask survives execve), then
 *       {@code execve(PATH, ARGV0..., environ)}; should that fail it exits 127 for ENOENT, 126 otherwise, as a
 *       shell does.</li>
 *   <li>The parent loops on {@code rt_sigtimedwait} over every signal but the ones the kernel sends for a
 *       fault of its own (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGSYS — they are forced on the faulting
 *       thread whatever its mask). SIGCHLD: {@code wait4(-1, WNOHANG)} until none is left, each orphan reaped
 *       and forgotten; when the command itself is reaped it exits with the command's status, or 128+N when
 *       signal N killed it (the shell's convention, and docker-init's). Any other signal — TERM, INT, HUP,
 *       QUIT, USR1, USR2, WINCH, ... — goes to the command's process group, {@code kill(-child, sig)} (tini's
 *       {@code -g}: a shell's own children get a SIGTERM too), or to the child alone should the group not
 *       exist yet (the child has not made it when the signal comes right after the fork).</li>
 * </ol>
 * When it exits, the PID namespace ends with it: the kernel kills whatever is left inside.
 *
 * <p>It makes no call the workbench could trace: once it runs, the workbench only sees what the kernel
 * shows of it in /proc — its child, and the rt_sigtimedwait it sits in ({@code /proc/PID/syscall}; while it
 * waits, SigBlk shows the awaited signals unblocked, the kernel keeping the real mask aside). The workbench's
 * trace ends with the execve of cwb-pid1.
 *
 * <p>The machine code, with its assembly beside each instruction, is below: x86_64 in GNU as's Intel syntax,
 * aarch64 in GNU as syntax, the words as LLVM's {@code llvm-mc -triple=aarch64-linux-gnu} assembles that
 * text. The x86_64 version runs natively in the tests ({@code InitOptionTest}, {@code Pid1ProgramTest}); the
 * aarch64 one runs under qemu-user in {@code Pid1ProgramTest} (exit status, 128+N, a forwarded signal, a
 * reaped orphan), never on arm64 hardware so far.
 */
public final class Pid1Program {
    /** The file's name, in the workbench's run/ directory and in the container. */
    public static final String NAME = "cwb-pid1";
    /** Where the container sees it: a read-only bind mount, as Docker's /sbin/docker-init. */
    public static final String PATH_INSIDE = "/sbin/" + NAME;
    /** The signals the kernel raises for a fault of the program itself, which cwb-pid1 does not wait for. */
    public static final long FAULT_SIGNALS = bits(4, 5, 7, 8, 11, 31);

    private Pid1Program() {
    }

    /** The program for this processor. */
    public static byte[] forCurrentArch() {
        return Arch.current() == Arch.AARCH64 ? aarch64() : x86_64();
    }

    /** Its argv for {@code program} (the command's file inside the container) and the command's {@code argv}. */
    public static java.util.List<String> argv(String program, java.util.List<String> argv) {
        java.util.List<String> all = new java.util.ArrayList<>();
        all.add(PATH_INSIDE);
        all.add(program);
        all.addAll(argv);
        return java.util.List.copyOf(all);
    }

    static byte[] x86_64() {
        return ElfExecutable.build(ElfExecutable.EM_X86_64, HexFormat.of().parseHex(String.join("",
                "4989e7",                   // mov r15, rsp              r15 = &argc, then argv[], 0, envp[], 0
                "4883ec10",                 // sub rsp, 16               [rsp] a signal set, [rsp+8] a status
                "48c70424ffffffff",         // mov qword [rsp], -1       every signal
                "b80e000000",               // mov eax, 14               rt_sigprocmask(SIG_BLOCK, [rsp], NULL, 8)
                "31ff",                     // xor edi, edi
                "4889e6",                   // mov rsi, rsp
                "31d2",                     // xor edx, edx
                "41ba08000000",             // mov r10d, 8
                "0f05",                     // syscall
                "bf7f000000",               // mov edi, 127              no command given: exit 127
                "49833f03",                 // cmp qword [r15], 3        argc >= 3: itself, PATH, ARGV0
                "0f8cb1000000",             // jl out
                "b839000000",               // mov eax, 57               fork()
                "0f05",                     // syscall
                "4885c0",                   // test rax, rax
                "0f84a8000000",             // jz child
                "bf7e000000",               // mov edi, 126              fork failed: exit 126
                "0f8896000000",             // js out
                "4989c4",                   // mov r12, rax              r12 = the command's pid
                "b8d8040040",               // mov eax, 0x400004d8       the fault signals (FAULT_SIGNALS)
                "48f7d0",                   // not rax                   all others
                "48890424",                 // mov [rsp], rax
                // wait:
                "b880000000",               // mov eax, 128              rt_sigtimedwait([rsp], NULL, NULL, 8)
                "4889e7",                   // mov rdi, rsp                no timeout: until one comes
                "31f6",                     // xor esi, esi
                "31d2",                     // xor edx, edx
                "41ba08000000",             // mov r10d, 8
                "0f05",                     // syscall
                "4883f811",                 // cmp rax, 17               SIGCHLD?
                "742c",                     // je reap
                "4885c0",                   // test rax, rax
                "7ee1",                     // jle wait                  EINTR: wait again
                "4989c5",                   // mov r13, rax              the signal
                "b83e000000",               // mov eax, 62               kill(-r12, sig): the command's group
                "4c89e7",                   // mov rdi, r12
                "48f7df",                   // neg rdi
                "4c89ee",                   // mov rsi, r13
                "0f05",                     // syscall
                "4885c0",                   // test rax, rax
                "74c9",                     // jz wait
                "b83e000000",               // mov eax, 62               no group yet: kill(r12, sig)
                "4c89e7",                   // mov rdi, r12
                "4c89ee",                   // mov rsi, r13
                "0f05",                     // syscall
                "ebba",                     // jmp wait
                // reap:
                "b83d000000",               // mov eax, 61               wait4(-1, [rsp+8], WNOHANG, NULL)
                "48c7c7ffffffff",           // mov rdi, -1
                "488d742408",               // lea rsi, [rsp+8]
                "ba01000000",               // mov edx, 1
                "4531d2",                   // xor r10d, r10d
                "0f05",                     // syscall
                "4885c0",                   // test rax, rax
                "7e9a",                     // jle wait                  none ended (0) or none left (ECHILD)
                "4c39e0",                   // cmp rax, r12
                "75db",                     // jne reap                  an orphan: reaped, next
                "8b7c2408",                 // mov edi, [rsp+8]          the command's wait status
                "89f8",                     // mov eax, edi
                "83e07f",                   // and eax, 0x7f             killed by a signal?
                "7408",                     // jz exited
                "8db880000000",             // lea edi, [rax+128]        128 + N
                "eb09",                     // jmp out
                // exited:
                "c1ef08",                   // shr edi, 8                its exit code
                "81e7ff000000",             // and edi, 0xff
                // out:
                "b8e7000000",               // mov eax, 231              exit_group(edi)
                "0f05",                     // syscall
                // child:
                "b86d000000",               // mov eax, 109              setpgid(0, 0)
                "31ff",                     // xor edi, edi
                "31f6",                     // xor esi, esi
                "0f05",                     // syscall
                "b827000000",               // mov eax, 39               getpid()
                "0f05",                     // syscall
                "4889442408",               // mov [rsp+8], rax
                "b810000000",               // mov eax, 16               ioctl(0, TIOCSPGRP, [rsp+8])
                "31ff",                     // xor edi, edi
                "be10540000",               // mov esi, 0x5410
                "488d542408",               // lea rdx, [rsp+8]
                "0f05",                     // syscall                   ENOTTY on a pipe: nothing to do
                "48c7042400000000",         // mov qword [rsp], 0        no signal
                "b80e000000",               // mov eax, 14               rt_sigprocmask(SIG_SETMASK, [rsp], NULL, 8)
                "bf02000000",               // mov edi, 2
                "4889e6",                   // mov rsi, rsp
                "31d2",                     // xor edx, edx
                "41ba08000000",             // mov r10d, 8
                "0f05",                     // syscall
                "b83b000000",               // mov eax, 59               execve(argv[1], &argv[2], envp)
                "498b7f10",                 // mov rdi, [r15+16]
                "498d7718",                 // lea rsi, [r15+24]
                "498b17",                   // mov rdx, [r15]            argc
                "498d54d710",               // lea rdx, [r15+rdx*8+16]   envp = &argv[argc + 1]
                "0f05",                     // syscall
                "bf7f000000",               // mov edi, 127              failed: 127 for ENOENT,
                "4883f8fe",                 // cmp rax, -2
                "748e",                     // je out
                "bf7e000000",               // mov edi, 126                126 for the rest
                "eb87")),                   // jmp out
                0);
    }

    static byte[] aarch64() {
        int[] code = {
            0x910003f3, // mov x19, sp                 x19 = &argc, then argv[], 0, envp[], 0
            0xd10043ff, // sub sp, sp, #16             [sp] a signal set, [sp+8] a status
            0x92800000, // mov x0, #-1                 every signal
            0xf90003e0, // str x0, [sp]
            0xd2800000, // mov x0, #0                  rt_sigprocmask(SIG_BLOCK, [sp], NULL, 8)
            0x910003e1, // mov x1, sp
            0xd2800002, // mov x2, #0
            0xd2800103, // mov x3, #8
            0xd28010e8, // mov x8, #135                (135 = rt_sigprocmask)
            0xd4000001, // svc #0
            0xd2800fe0, // mov x0, #127                no command given: exit 127
            0xf9400269, // ldr x9, [x19]               argc >= 3: itself, PATH, ARGV0
            0xf1000d3f, // cmp x9, #3
            0x540006ab, // b.lt out
            0xd2800220, // mov x0, #17                 fork: clone(SIGCHLD, 0, 0, 0, 0)
            0xd2800001, // mov x1, #0
            0xd2800002, // mov x2, #0
            0xd2800003, // mov x3, #0
            0xd2800004, // mov x4, #0
            0xd2801b88, // mov x8, #220                (220 = clone)
            0xd4000001, // svc #0
            0xb40005e0, // cbz x0, child
            0xaa0003f4, // mov x20, x0                 x20 = the command's pid
            0xd2800fc0, // mov x0, #126                fork failed: exit 126
            0xb7f80554, // tbnz x20, #63, out
            0xd2809b09, // mov x9, #0x4d8              the fault signals (FAULT_SIGNALS)
            0xf2a80009, // movk x9, #0x4000, lsl #16
            0xaa2903e9, // mvn x9, x9                  all others
            0xf90003e9, // str x9, [sp]
            // wait:
            0x910003e0, // mov x0, sp                  rt_sigtimedwait([sp], NULL, NULL, 8)
            0xd2800001, // mov x1, #0
            0xd2800002, // mov x2, #0                  no timeout: until one comes
            0xd2800103, // mov x3, #8
            0xd2801128, // mov x8, #137                (137 = rt_sigtimedwait)
            0xd4000001, // svc #0
            0xf100441f, // cmp x0, #17                 SIGCHLD?
            0x540001c0, // b.eq reap
            0xf100001f, // cmp x0, #0
            0x54fffeed, // b.le wait                   EINTR: wait again
            0xaa0003f5, // mov x21, x0                 the signal
            0xcb1403e0, // neg x0, x20                 kill(-x20, sig): the command's group
            0xaa1503e1, // mov x1, x21
            0xd2801028, // mov x8, #129                (129 = kill)
            0xd4000001, // svc #0
            0xb4fffe20, // cbz x0, wait
            0xaa1403e0, // mov x0, x20                 no group yet: kill(x20, sig)
            0xaa1503e1, // mov x1, x21
            0xd2801028, // mov x8, #129
            0xd4000001, // svc #0
            0x17ffffec, // b wait
            // reap:
            0x92800000, // mov x0, #-1                 wait4(-1, [sp+8], WNOHANG, NULL)
            0x910023e1, // add x1, sp, #8
            0xd2800022, // mov x2, #1
            0xd2800003, // mov x3, #0
            0xd2802088, // mov x8, #260                (260 = wait4)
            0xd4000001, // svc #0
            0xf100001f, // cmp x0, #0
            0x54fffc8d, // b.le wait                   none ended (0) or none left (ECHILD)
            0xeb14001f, // cmp x0, x20
            0x54fffee1, // b.ne reap                   an orphan: reaped, next
            0xb9400be0, // ldr w0, [sp, #8]            the command's wait status
            0x12001801, // and w1, w0, #0x7f           killed by a signal?
            0x34000061, // cbz w1, exited
            0x11020020, // add w0, w1, #128            128 + N
            0x14000002, // b out
            // exited:
            0x53083c00, // ubfx w0, w0, #8, #8         its exit code
            // out:
            0xd2800bc8, // mov x8, #94                 exit_group(x0)
            0xd4000001, // svc #0
            // child:
            0xd2800000, // mov x0, #0                  setpgid(0, 0)
            0xd2800001, // mov x1, #0
            0xd2801348, // mov x8, #154                (154 = setpgid)
            0xd4000001, // svc #0
            0xd2801588, // mov x8, #172                getpid() (172)
            0xd4000001, // svc #0
            0xf90007e0, // str x0, [sp, #8]
            0xd2800000, // mov x0, #0                  ioctl(0, TIOCSPGRP, [sp+8])
            0xd28a8201, // mov x1, #0x5410
            0x910023e2, // add x2, sp, #8
            0xd28003a8, // mov x8, #29                 (29 = ioctl)
            0xd4000001, // svc #0                      ENOTTY on a pipe: nothing to do
            0xf90003ff, // str xzr, [sp]               no signal
            0xd2800040, // mov x0, #2                  rt_sigprocmask(SIG_SETMASK, [sp], NULL, 8)
            0x910003e1, // mov x1, sp
            0xd2800002, // mov x2, #0
            0xd2800103, // mov x3, #8
            0xd28010e8, // mov x8, #135
            0xd4000001, // svc #0
            0xf9400a60, // ldr x0, [x19, #16]          execve(argv[1], &argv[2], envp)
            0x91006261, // add x1, x19, #24
            0xf9400262, // ldr x2, [x19]               argc
            0x8b020e62, // add x2, x19, x2, lsl #3
            0x91004042, // add x2, x2, #16             envp = &argv[argc + 1]
            0xd2801ba8, // mov x8, #221                (221 = execve)
            0xd4000001, // svc #0
            0xaa0003e9, // mov x9, x0
            0xd2800fe0, // mov x0, #127                failed: 127 for ENOENT,
            0xb100093f, // cmn x9, #2
            0x54fffc20, // b.eq out
            0xd2800fc0, // mov x0, #126                  126 for the rest
            0x17ffffdf, // b out
        };
        byte[] bytes = new byte[code.length * 4];
        for (int i = 0; i < code.length; i++) {
            for (int k = 0; k < 4; k++) {
                bytes[i * 4 + k] = (byte) (code[i] >>> (8 * k));
            }
        }
        return ElfExecutable.build(ElfExecutable.EM_AARCH64, bytes, 0);
    }

    private static long bits(int... signals) {
        long m = 0;
        for (int s : signals) {
            m |= 1L << (s - 1);
        }
        return m;
    }
}
