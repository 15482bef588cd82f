import CIFDHandler

// The IFD handler API v3 (pcsc-lite ifdhandler.h) that pcscd calls, from several threads.
// Each entry point finds the reader for the Lun, calls the reader model, copies the result
// into pcscd's buffers and maps errors once (`IFDResponse`). Swift imports DWORD as UInt and
// RESPONSECODE (long) as Int.

@_cdecl("IFDHCreateChannelByName")
public func IFDHCreateChannelByName(_ Lun: DWORD, _ DeviceName: LPSTR?) -> RESPONSECODE {
    let text = DeviceName.map { String(cString: $0) } ?? ""
    return IFDResponse.run("IFDHCreateChannelByName(\(text))") { () throws(DriverError) in
        Trace.log { "IFDHCreateChannelByName Lun 0x\(String(Lun, radix: 16)) \(text)" }
        let name: UKeyDriver.DeviceName
        do {
            name = try UKeyDriver.DeviceName(parsing: text)
        } catch {
            throw .noSuchDevice("cannot parse device name \(text): \(error)")
        }
        try ReaderRegistry.shared.add(try Reader.open(name), lun: Lun)
    }
}

/// Without DEVICENAME, reader.conf's CHANNELID: open the first UKey token on USB.
@_cdecl("IFDHCreateChannel")
public func IFDHCreateChannel(_ Lun: DWORD, _ Channel: DWORD) -> RESPONSECODE {
    IFDResponse.run("IFDHCreateChannel") { () throws(DriverError) in
        Trace.log { "IFDHCreateChannel Lun 0x\(String(Lun, radix: 16)) channel \(Channel)" }
        let reader = try Reader.open(.usb(vendorID: 0x1209, productID: 0x0001, bus: nil, address: nil))
        try ReaderRegistry.shared.add(reader, lun: Lun)
    }
}

@_cdecl("IFDHCloseChannel")
public func IFDHCloseChannel(_ Lun: DWORD) -> RESPONSECODE {
    IFDResponse.run("IFDHCloseChannel") { () throws(DriverError) in
        Trace.log { "IFDHCloseChannel Lun 0x\(String(Lun, radix: 16))" }
        let reader = try ReaderRegistry.shared.reader(Lun)
        try? reader.powerDown()
        try ReaderRegistry.shared.remove(Lun)
    }
}

@_cdecl("IFDHGetCapabilities")
public func IFDHGetCapabilities(_ Lun: DWORD, _ Tag: DWORD, _ Length: PDWORD?, _ Value: PUCHAR?) -> RESPONSECODE {
    IFDResponse.run("IFDHGetCapabilities(0x\(String(Tag, radix: 16)))") { () throws(DriverError) in
        guard let Length, let Value else { throw .insufficientBuffer(needed: 0) }
        let reader = try ReaderRegistry.shared.reader(Lun)
        if let function = PollingFunctions.pointer(for: Tag, reader: reader) {
            try copy(function, to: Value, capacity: Length)
            return
        }
        try copy(try ReaderAttributes.value(reader, tag: Tag), to: Value, capacity: Length)
    }
}

@_cdecl("IFDHSetCapabilities")
public func IFDHSetCapabilities(_ Lun: DWORD, _ Tag: DWORD, _ Length: DWORD, _ Value: PUCHAR?) -> RESPONSECODE {
    IFDResponse.run("IFDHSetCapabilities") { () throws(DriverError) in
        _ = try ReaderRegistry.shared.reader(Lun)
        throw .notSupported("IFDHSetCapabilities(0x\(String(Tag, radix: 16)))")
    }
}

@_cdecl("IFDHSetProtocolParameters")
public func IFDHSetProtocolParameters(_ Lun: DWORD, _ Protocol: DWORD, _ Flags: UCHAR, _ PTS1: UCHAR,
                                      _ PTS2: UCHAR, _ PTS3: UCHAR) -> RESPONSECODE {
    IFDResponse.run("IFDHSetProtocolParameters(\(Protocol))") { () throws(DriverError) in
        Trace.log { "IFDHSetProtocolParameters Lun 0x\(String(Lun, radix: 16)) protocol \(Protocol)" }
        let reader = try ReaderRegistry.shared.reader(Lun)
        switch Protocol {
        case DWORD(SCARD_PROTOCOL_T0): try reader.setProtocol(0)
        case DWORD(SCARD_PROTOCOL_T1): try reader.setProtocol(1)
        default: throw .protocolNotSupported
        }
    }
}

@_cdecl("IFDHPowerICC")
public func IFDHPowerICC(_ Lun: DWORD, _ Action: DWORD, _ Atr: PUCHAR?, _ AtrLength: PDWORD?) -> RESPONSECODE {
    IFDResponse.run("IFDHPowerICC(\(Action))") { () throws(DriverError) in
        Trace.log { "IFDHPowerICC Lun 0x\(String(Lun, radix: 16)) action \(Action)" }
        AtrLength?.pointee = 0
        let reader = try ReaderRegistry.shared.reader(Lun)
        switch Int32(truncatingIfNeeded: Action) {
        case IFD_POWER_DOWN:
            try reader.powerDown()
        case IFD_POWER_UP, IFD_RESET:
            let atr = try reader.powerUp(reset: Int32(truncatingIfNeeded: Action) == IFD_RESET)
            guard let Atr, let AtrLength else { return }
            AtrLength.pointee = DWORD(MAX_ATR_SIZE)
            try copy(atr, to: Atr, capacity: AtrLength)
        default:
            throw .notSupported("power action \(Action)")
        }
    }
}

@_cdecl("IFDHTransmitToICC")
public func IFDHTransmitToICC(_ Lun: DWORD, _ SendPci: SCARD_IO_HEADER, _ TxBuffer: PUCHAR?, _ TxLength: DWORD,
                              _ RxBuffer: PUCHAR?, _ RxLength: PDWORD?, _ RecvPci: PSCARD_IO_HEADER?) -> RESPONSECODE {
    IFDResponse.run("IFDHTransmitToICC") { () throws(DriverError) in
        guard let RxLength else { throw .insufficientBuffer(needed: 0) }
        let capacity = RxLength.pointee
        RxLength.pointee = 0
        guard let TxBuffer, let RxBuffer else { throw .communication("no buffer") }
        let reader = try ReaderRegistry.shared.reader(Lun)
        let response = try reader.transmit(Array(UnsafeBufferPointer(start: TxBuffer, count: Int(TxLength))))
        RxLength.pointee = capacity
        try copy(response, to: RxBuffer, capacity: RxLength)
        RecvPci?.pointee.Protocol = SendPci.Protocol
        RecvPci?.pointee.Length = DWORD(MemoryLayout<SCARD_IO_HEADER>.size)
    }
}

@_cdecl("IFDHControl")
public func IFDHControl(_ Lun: DWORD, _ dwControlCode: DWORD, _ TxBuffer: PUCHAR?, _ TxLength: DWORD,
                        _ RxBuffer: PUCHAR?, _ RxLength: DWORD, _ pdwBytesReturned: LPDWORD?) -> RESPONSECODE {
    IFDResponse.run("IFDHControl(0x\(String(dwControlCode, radix: 16)))") { () throws(DriverError) in
        Trace.log { "IFDHControl Lun 0x\(String(Lun, radix: 16)) code 0x\(String(dwControlCode, radix: 16))" }
        pdwBytesReturned?.pointee = 0
        let reader = try ReaderRegistry.shared.reader(Lun)
        let input = TxBuffer.map { Array(UnsafeBufferPointer(start: $0, count: Int(TxLength))) } ?? []
        let output = try Part10Features.control(reader, code: dwControlCode, input: input)
        guard output.count <= Int(RxLength), let RxBuffer else { throw .insufficientBuffer(needed: output.count) }
        RxBuffer.update(from: output, count: output.count)
        pdwBytesReturned?.pointee = DWORD(output.count)
    }
}

@_cdecl("IFDHICCPresence")
public func IFDHICCPresence(_ Lun: DWORD) -> RESPONSECODE {
    do {
        let present = try ReaderRegistry.shared.reader(Lun).isCardPresent()
        return RESPONSECODE(present ? IFD_ICC_PRESENT : IFD_ICC_NOT_PRESENT)
    } catch {
        Trace.log { "IFDHICCPresence → \(error)" }
        return IFDResponse.code(for: error)
    }
}

/// Copies `bytes` into pcscd's buffer of `capacity.pointee` bytes and stores the length.
func copy(_ bytes: [UInt8], to buffer: UnsafeMutablePointer<UInt8>, capacity: UnsafeMutablePointer<DWORD>)
    throws(DriverError)
{
    guard bytes.count <= Int(capacity.pointee) else {
        capacity.pointee = 0
        throw .insufficientBuffer(needed: bytes.count)
    }
    buffer.update(from: bytes, count: bytes.count)
    capacity.pointee = DWORD(bytes.count)
}
