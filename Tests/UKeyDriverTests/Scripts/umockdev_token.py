#!/usr/bin/python3
"""The emulated UKey token as a live USB device, through umockdev.

Creates a UMockdev.Testbed holding usb1/1-1 (the token) and its CCID interface usb1/1-1/1-1:1.0,
and answers every usbfs ioctl on /dev/bus/usb/001/002 by forwarding the URB to the emulator over
USB/IP (OP_REQ_IMPORT, then CMD_SUBMIT / CMD_UNLINK; RET_SUBMIT completes the URB). What answers
is the real TokenDevice. Facts and pitfalls: ../shared/notes/umockdev.md.

    umockdev_token.py HOST:PORT [BUSID]

Prints `UMOCKDEV_DIR=<testbed root>` then `ready` on stdout. Commands on stdin, one a line:
`unplug`, `replug`, `stats` (prints `stats submitted=N reaped=N`), `quit`. SIGUSR1 unplugs,
SIGUSR2 replugs, SIGTERM/SIGINT quit, and so does the parent process going away (EOF on stdin
does not: stdin may be /dev/null). Runs itself again under
LD_PRELOAD=libumockdev-preload.so.0 (uevents need it).
"""
import errno
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

PRELOAD = "libumockdev-preload.so.0"
if PRELOAD not in os.environ.get("LD_PRELOAD", ""):
    os.environ["LD_PRELOAD"] = (os.environ.get("LD_PRELOAD", "") + " " + PRELOAD).strip()
    os.execv(sys.executable, [sys.executable] + sys.argv)

import gi  # noqa: E402
gi.require_version("UMockdev", "1.0")
from gi.repository import GLib, UMockdev  # noqa: E402

DEVNODE = "/dev/bus/usb/001/002"
SYSPATH = "/sys/devices/usb1/1-1"
INTERFACE_SYSPATH = SYSPATH + "/1-1:1.0"

# usbfs (linux/usbdevice_fs.h): ioctl numbers by their 'U' number.
NR_CONTROL, NR_BULK, NR_SETINTERFACE, NR_SETCONFIGURATION = 0, 2, 4, 5
NR_GETDRIVER, NR_SUBMITURB, NR_DISCARDURB, NR_REAPURB, NR_REAPURBNDELAY = 8, 10, 11, 12, 13
NR_CLAIMINTERFACE, NR_RELEASEINTERFACE, NR_CONNECTINFO, NR_IOCTL = 15, 16, 17, 18
NR_RESET, NR_CLEAR_HALT, NR_DISCONNECT, NR_CONNECT = 20, 21, 22, 23
NR_CLAIM_PORT, NR_RELEASE_PORT, NR_GET_CAPABILITIES, NR_DISCONNECT_CLAIM = 24, 25, 26, 27
NR_DROP_PRIVILEGES, NR_GET_SPEED = 30, 31
URB_TYPE_INTERRUPT, URB_TYPE_CONTROL, URB_TYPE_BULK = 1, 2, 3
CAP_ZERO_PACKET, CAP_NO_PACKET_SIZE_LIM = 0x01, 0x04
# struct usbdevfs_urb (x86_64): type u8, endpoint u8, status i32 @4, flags u32 @8, buffer ptr @16,
# buffer_length i32 @24, actual_length i32 @28, ... usercontext @48; 56 bytes.
URB_SIZE = 56

# USB/IP (Documentation/usb/usbip_protocol.rst).
USBIP_VERSION = 0x0111
OP_REQ_IMPORT, OP_REP_IMPORT = 0x8003, 0x0003
USBIP_CMD_SUBMIT, USBIP_CMD_UNLINK, USBIP_RET_SUBMIT, USBIP_RET_UNLINK = 1, 2, 3, 4
USBIP_DIR_OUT, USBIP_DIR_IN = 0, 1

EAGAIN_BEFORE_THROTTLE = 4
THROTTLE_SECONDS = 0.010


def log(text):
    sys.stderr.write("umockdev_token: " + text + "\n")
    sys.stderr.flush()


def recv_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("USB/IP connection closed")
        data += chunk
    return data


class URB:
    """One submitted usbfs URB and what it needs on completion."""

    def __init__(self, data, buffer, kind, endpoint, length, seqnum):
        self.data = data          # IoctlData of the usbdevfs_urb
        self.buffer = buffer      # IoctlData of its buffer (None when length is 0)
        self.kind = kind
        self.endpoint = endpoint
        self.length = length
        self.seqnum = seqnum
        self.status = 0
        self.payload = b""        # IN data to write into the buffer (after the setup for control)
        self.actual = 0


class USBIPLink:
    """One imported device: CMD_SUBMIT out, a reader thread completing on RET_SUBMIT."""

    def __init__(self, host, port, busid, on_complete):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = struct.pack(">HHI32s", USBIP_VERSION, OP_REQ_IMPORT, 0, busid.encode())
        self.sock.sendall(request)
        version, code, status = struct.unpack(">HHI", recv_exactly(self.sock, 8))
        if code != OP_REP_IMPORT or status != 0:
            raise ConnectionError("OP_REQ_IMPORT %s refused: code %#x status %d" % (busid, code, status))
        device = recv_exactly(self.sock, 312)
        (self.busnum, self.devnum, self.speed, self.vendor, self.product, self.bcd_device,
         _, _, _, self.configuration, _, _) = struct.unpack(">IIIHHHBBBBBB", device[288:312])
        self.devid = (self.busnum << 16) | self.devnum
        self.on_complete = on_complete
        self.write_lock = threading.Lock()
        self.seqnum = 0
        self.closed = False
        self.sync_waiters = {}    # seqnum -> callback, for transfers outside any URB
        self.inbound = set()      # seqnums of IN transfers (RET_SUBMIT's direction field is 0)
        self.thread = threading.Thread(target=self.read_loop, daemon=True)
        self.thread.start()

    def next_seqnum(self):
        with self.write_lock:
            self.seqnum += 1
            return self.seqnum

    def submit(self, seqnum, endpoint, direction, length, setup=b"\0" * 8, out=b""):
        header = struct.pack(">IIIIIIiiii8s", USBIP_CMD_SUBMIT, seqnum, self.devid, direction,
                             endpoint & 0x0F, 0, length, 0, 0, 0, setup)
        with self.write_lock:
            if direction == USBIP_DIR_IN:
                self.inbound.add(seqnum)
            self.sock.sendall(header + out)

    def unlink(self, seqnum):
        unlink_seqnum = self.next_seqnum()
        header = struct.pack(">IIIIII24s", USBIP_CMD_UNLINK, unlink_seqnum, self.devid, 0, 0, seqnum, b"")
        with self.write_lock:
            self.sock.sendall(header)

    def read_loop(self):
        try:
            while True:
                header = recv_exactly(self.sock, 48)
                command, seqnum, _, _, _, status, actual = struct.unpack(">IIIIIii", header[:28])
                if command == USBIP_RET_SUBMIT:
                    with self.write_lock:
                        inbound = seqnum in self.inbound
                        self.inbound.discard(seqnum)
                    data = recv_exactly(self.sock, actual) if inbound and actual > 0 else b""
                    self.on_complete(seqnum, status, actual, data)
                elif command != USBIP_RET_UNLINK:
                    raise ConnectionError("unexpected USB/IP command %d" % command)
        except (OSError, ConnectionError) as error:
            if not self.closed:
                log("USB/IP link ended: %s" % error)
            self.on_complete(None, -errno.ENODEV, 0, b"")

    def control_sync(self, setup, length, timeout=5.0):
        """A control IN transfer at start-up, outside any URB."""
        done = threading.Event()
        result = {}
        seqnum = self.next_seqnum()

        def complete(status, data):
            result["status"], result["data"] = status, data
            done.set()
        self.sync_waiters[seqnum] = complete
        self.submit(seqnum, 0, USBIP_DIR_IN, length, setup)
        if not done.wait(timeout):
            raise TimeoutError("control transfer timed out")
        if result["status"] != 0:
            raise ConnectionError("control transfer status %d" % result["status"])
        return result["data"]

    def close(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class TokenDevice(UMockdev.IoctlBase):
    """The usbfs ioctl handler for the token's device node."""

    def __init__(self, host, port, busid):
        super().__init__()
        self.host, self.port, self.busid = host, port, busid
        self.lock = threading.Condition()
        self.pending = {}        # seqnum -> URB
        self.completed = []      # URBs ready to reap, in completion order
        self.eagain_run = 0
        self.present = True
        self.submitted = 0
        self.reaped = 0
        self.link = None
        self.connect_link()

    # -- the emulator --

    def connect_link(self):
        self.link = USBIPLink(self.host, self.port, self.busid, self.on_ret_submit)

    def on_ret_submit(self, seqnum, status, actual, data):
        with self.lock:
            if seqnum is None:  # link gone: every pending URB fails
                for urb in self.pending.values():
                    urb.status = -errno.ENODEV
                    self.completed.append(urb)
                self.pending.clear()
                self.lock.notify_all()
                return
            waiter = self.link.sync_waiters.pop(seqnum, None)
            if waiter is not None:
                waiter(status, data)
                return
            urb = self.pending.pop(seqnum, None)
            if urb is None:
                return  # discarded meanwhile
            urb.status = status
            urb.payload = data
            urb.actual = actual
            self.completed.append(urb)
            self.lock.notify_all()

    def descriptors(self):
        """Device descriptor + full configuration descriptor, from GET_DESCRIPTOR over USB/IP."""
        device = self.link.control_sync(struct.pack("<BBHHH", 0x80, 6, 0x0100, 0, 18), 18)
        head = self.link.control_sync(struct.pack("<BBHHH", 0x80, 6, 0x0200, 0, 9), 9)
        total = struct.unpack("<H", head[2:4])[0]
        configuration = self.link.control_sync(struct.pack("<BBHHH", 0x80, 6, 0x0200, 0, total), total)
        return device, configuration

    # -- usbfs --

    def do_handle_ioctl(self, client):
        request = client.get_request()
        if (request >> 8) & 0xFF != ord("U"):
            return False
        number = request & 0xFF
        arg = client.get_arg()
        try:
            if not self.present and number not in (NR_RELEASEINTERFACE, NR_DISCARDURB, NR_REAPURBNDELAY, NR_REAPURB):
                client.complete(-1, errno.ENODEV)
            elif number == NR_SUBMITURB:
                self.submit_urb(client, arg)
            elif number in (NR_REAPURB, NR_REAPURBNDELAY):
                self.reap_urb(client, arg, number == NR_REAPURB)
            elif number == NR_DISCARDURB:
                self.discard_urb(client, arg)
            elif number == NR_GET_CAPABILITIES:
                arg.resolve(0, 4).update(0, list(struct.pack("<I", CAP_ZERO_PACKET | CAP_NO_PACKET_SIZE_LIM)))
                client.complete(0, 0)
            elif number == NR_GETDRIVER:
                client.complete(-1, errno.ENODATA)
            elif number == NR_CONTROL:
                self.control(client, arg)
            elif number == NR_IOCTL:  # USBDEVFS_IOCTL (driver connect/disconnect): no kernel driver here
                client.complete(-1, errno.ENODATA)
            elif number in (NR_CLAIMINTERFACE, NR_RELEASEINTERFACE, NR_SETINTERFACE, NR_SETCONFIGURATION,
                            NR_RESET, NR_CLEAR_HALT, NR_DISCONNECT, NR_CONNECT, NR_CLAIM_PORT,
                            NR_RELEASE_PORT, NR_DISCONNECT_CLAIM, NR_DROP_PRIVILEGES):
                client.complete(0, 0)
            elif number == NR_GET_SPEED:
                client.complete(2, 0)  # USB_SPEED_FULL
            else:
                log("unhandled usbfs ioctl %#x" % request)
                client.complete(-1, errno.ENOTTY)
        except Exception as error:  # never leave a client hanging
            log("ioctl %#x failed: %r" % (request, error))
            client.complete(-1, errno.EIO)
        return True

    def submit_urb(self, client, arg):
        data = arg.resolve(0, URB_SIZE)
        urb_bytes = bytes(data.retrieve())
        kind, endpoint = urb_bytes[0], urb_bytes[1]
        length = struct.unpack("<i", urb_bytes[24:28])[0]
        buffer = data.resolve(16, length) if length > 0 else None
        raw = bytes(buffer.retrieve()) if buffer is not None else b""
        with self.lock:
            self.eagain_run = 0
            seqnum = self.link.next_seqnum()
            urb = URB(data, buffer, kind, endpoint, length, seqnum)
            urb.client_addr = data.client_addr
            self.pending[seqnum] = urb
            self.submitted += 1
        if kind == URB_TYPE_CONTROL:
            setup = raw[:8]
            w_length = struct.unpack("<H", setup[6:8])[0]
            if setup[0] & 0x80:
                self.link.submit(seqnum, 0, USBIP_DIR_IN, w_length, setup)
            else:
                self.link.submit(seqnum, 0, USBIP_DIR_OUT, w_length, setup, raw[8:8 + w_length])
        elif kind in (URB_TYPE_BULK, URB_TYPE_INTERRUPT):
            if endpoint & 0x80:
                self.link.submit(seqnum, endpoint, USBIP_DIR_IN, length)
            else:
                self.link.submit(seqnum, endpoint, USBIP_DIR_OUT, length, out=raw)
        else:
            with self.lock:
                self.pending.pop(seqnum, None)
            client.complete(-1, errno.EINVAL)
            return
        client.complete(0, 0)

    def reap_urb(self, client, arg, block):
        with self.lock:
            if not self.completed:
                self.eagain_run += 1
                # The fake fd always polls writable: an idle libusb event loop spins on
                # REAPURBNDELAY. Hold every EAGAIN after a few in a row for up to 10 ms (a
                # completion arriving meanwhile is handed out at once).
                if block or self.eagain_run > EAGAIN_BEFORE_THROTTLE:
                    self.lock.wait(THROTTLE_SECONDS)
            if not self.completed:
                client.complete(-1, errno.EAGAIN if self.present else errno.ENODEV)
                return
            urb = self.completed.pop(0)
            self.eagain_run = 0
            self.reaped += 1
        offset = 8 if urb.kind == URB_TYPE_CONTROL else 0
        if urb.payload and urb.buffer is not None:
            payload = urb.payload[:max(0, urb.length - offset)]
            urb.buffer.update(offset, list(payload))
        actual = urb.actual if urb.status == 0 else 0
        urb.data.update(4, list(struct.pack("<i", urb.status)))
        urb.data.update(28, list(struct.pack("<i", actual)))
        arg.resolve(0, 8).set_ptr(0, urb.data)
        client.complete(0, 0)

    def discard_urb(self, client, arg):
        address = struct.unpack("<Q", bytes(arg.retrieve())[:8])[0]
        with self.lock:
            found = [s for s, u in self.pending.items() if u.client_addr == address]
            for seqnum in found:
                urb = self.pending.pop(seqnum)
                urb.status = -errno.ENOENT
                self.completed.append(urb)
                self.lock.notify_all()
        if not found:
            client.complete(-1, errno.EINVAL)
            return
        for seqnum in found:
            try:
                self.link.unlink(seqnum)
            except OSError:
                pass
        client.complete(0, 0)

    def control(self, client, arg):
        """USBDEVFS_CONTROL (synchronous): struct usbdevfs_ctrltransfer, data pointer at 16."""
        data = arg.resolve(0, 24)
        request_type, request, value, index, length, timeout = struct.unpack("<BBHHHI", bytes(data.retrieve())[:12])
        buffer = data.resolve(16, length) if length > 0 else None
        setup = struct.pack("<BBHHH", request_type, request, value, index, length)
        done = threading.Event()
        result = {}

        def complete(status, payload):
            result["status"], result["data"] = status, payload
            done.set()
        seqnum = self.link.next_seqnum()
        self.link.sync_waiters[seqnum] = complete
        if request_type & 0x80:
            self.link.submit(seqnum, 0, USBIP_DIR_IN, length, setup)
        else:
            self.link.submit(seqnum, 0, USBIP_DIR_OUT, length, setup, bytes(buffer.retrieve()) if buffer else b"")
        if not done.wait((timeout or 5000) / 1000.0):
            self.link.sync_waiters.pop(seqnum, None)
            client.complete(-1, errno.ETIMEDOUT)
        elif result["status"] != 0:
            client.complete(-1, errno.EPIPE)
        else:
            if request_type & 0x80 and buffer is not None and result["data"]:
                buffer.update(0, list(result["data"]))
            client.complete(len(result["data"]) if request_type & 0x80 else length, 0)

    # -- hot plug --

    def unplug(self):
        with self.lock:
            self.present = False
            for urb in self.pending.values():
                urb.status = -errno.ENODEV
                self.completed.append(urb)
            self.pending.clear()
            self.lock.notify_all()
        self.link.close()

    def replug(self):
        old = self.link
        self.connect_link()
        with self.lock:
            self.completed = [u for u in self.completed if u.status != -errno.ENODEV]
            self.present = True
        del old


def add_token(testbed, handler, device, configuration):
    link = handler.link
    attributes = ["busnum", str(link.busnum), "devnum", "2", "idVendor", "%04x" % link.vendor,
                  "idProduct", "%04x" % link.product, "bcdDevice", "%04x" % link.bcd_device,
                  "bConfigurationValue", "1", "bNumInterfaces", " 1", "speed", "12",
                  "serial", "UKEY-EMULATED", "product", "UKey Banking Token", "manufacturer", "UKey",
                  "dev", "189:1"]
    properties = ["DEVNAME", DEVNODE, "DEVTYPE", "usb_device", "BUSNUM", "001", "DEVNUM", "002",
                  "PRODUCT", "%x/%x/%x" % (link.vendor, link.product, link.bcd_device),
                  "ID_VENDOR_ID", "%04x" % link.vendor, "ID_MODEL_ID", "%04x" % link.product]
    syspath = testbed.add_device("usb", "usb1/1-1", None, attributes, properties)
    testbed.set_attribute_binary(syspath, "descriptors", device + configuration)
    interface = testbed.add_device("usb", "usb1/1-1/1-1:1.0", None,
                                   ["bInterfaceClass", "0b", "bInterfaceSubClass", "00",
                                    "bInterfaceProtocol", "00", "bInterfaceNumber", "00", "bAlternateSetting", " 0",
                                    "bNumEndpoints", "03"],
                                   ["DEVTYPE", "usb_interface", "INTERFACE", "11/0/0",
                                    "PRODUCT", "%x/%x/%x" % (link.vendor, link.product, link.bcd_device)])
    node = os.path.join(testbed.get_root_dir(), DEVNODE.lstrip("/"))
    os.makedirs(os.path.dirname(node), exist_ok=True)
    open(node, "a").close()
    return syspath, interface


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    host, _, port = sys.argv[1].rpartition(":")
    busid = sys.argv[2] if len(sys.argv) > 2 else "1-1"
    handler = TokenDevice(host.strip("[]"), int(port), busid)
    device, configuration = handler.descriptors()
    testbed = UMockdev.Testbed.new()
    syspath, interface = add_token(testbed, handler, device, configuration)
    testbed.attach_ioctl(DEVNODE, handler)

    requests = []
    signal.signal(signal.SIGTERM, lambda *_: requests.append("quit"))
    signal.signal(signal.SIGINT, lambda *_: requests.append("quit"))
    signal.signal(signal.SIGUSR1, lambda *_: requests.append("unplug"))
    signal.signal(signal.SIGUSR2, lambda *_: requests.append("replug"))
    print("UMOCKDEV_DIR=" + testbed.get_root_dir(), flush=True)
    print("ready", flush=True)

    stdin_open = True
    plugged = True
    parent = os.getppid()
    while True:
        # Poll (pitfall 7: a signal may land on a GLib thread, so the main thread never blocks long).
        if stdin_open:
            readable, _, _ = select.select([sys.stdin], [], [], 0.1)
            if readable:
                line = sys.stdin.readline()
                if not line:
                    stdin_open = False  # /dev/null: signals only
                else:
                    requests.append(line.strip())
        else:
            time.sleep(0.1)
        if os.getppid() != parent:
            requests.append("quit")  # whoever started us is gone
        while requests:
            command = requests.pop(0)
            if command == "quit":
                testbed.detach_ioctl(DEVNODE)
                handler.link.close()
                print("bye", flush=True)
                return 0
            if command == "unplug" and plugged:
                handler.unplug()
                testbed.uevent(interface, "remove")
                testbed.uevent(syspath, "remove")
                testbed.remove_device(interface)
                testbed.remove_device(syspath)
                plugged = False
                print("unplugged", flush=True)
            elif command == "replug" and not plugged:
                handler.replug()
                device, configuration = handler.descriptors()
                syspath, interface = add_token(testbed, handler, device, configuration)
                plugged = True
                print("replugged", flush=True)
            elif command == "stats":
                print("stats submitted=%d reaped=%d" % (handler.submitted, handler.reaped), flush=True)
            elif command:
                print("unknown command " + command, flush=True)


if __name__ == "__main__":
    sys.exit(main())
