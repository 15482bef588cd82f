import CCID
import CardOS
import ISO7816
import USB

/// Endpoint 0: the standard requests of USB 2.0 §9.4 and the CCID class requests of
/// CCID rev 1.1 §5.3. Anything else stalls.
extension TokenDevice {
    // CCID class requests (CCID rev 1.1 Table 5.3-1).
    static var ABORT: UInt8 { 0x01 }
    static var GET_CLOCK_FREQUENCIES: UInt8 { 0x02 }
    static var GET_DATA_RATES: UInt8 { 0x03 }

    func controlRequest(_ setup: USBSetupPacket, data: [UInt8]) -> ControlResult {
        switch setup.requestType {
        case 0: return standardRequest(setup)
        case 1: return classRequest(setup)
        default: return .stall
        }
    }

    // MARK: Standard requests (USB 2.0 §9.4)

    private func standardRequest(_ s: USBSetupPacket) -> ControlResult {
        switch (s.bmRequestType, s.bRequest) {
        case (0x80, USBSetupPacket.GET_DESCRIPTOR):
            return getDescriptor(type: UInt8(s.wValue >> 8), index: UInt8(truncatingIfNeeded: s.wValue),
                                 languageID: s.wIndex)
        case (0x81, USBSetupPacket.GET_DESCRIPTOR):
            // The class descriptor alone, addressed to the interface (CCID rev 1.1 §5.1).
            guard s.wValue >> 8 == UInt16(CCIDClassDescriptor.descriptorType), s.wIndex == 0 else { return .stall }
            return .data(classDescriptor.bytes)
        case (0x00, USBSetupPacket.SET_CONFIGURATION):
            return setConfiguration(s.wValue)
        case (0x80, USBSetupPacket.GET_CONFIGURATION):
            return .data([configuration])
        case (0x80, USBSetupPacket.GET_STATUS):
            // Bus powered, no remote wake-up.
            return .data([0, 0])
        case (0x81, USBSetupPacket.GET_STATUS):
            guard configuration != 0, s.wIndex == 0 else { return .stall }
            return .data([0, 0])
        case (0x82, USBSetupPacket.GET_STATUS):
            guard let endpoint = endpoint(s.wIndex) else { return .stall }
            return .data([isHalted(endpoint: endpoint) ? 1 : 0, 0])
        case (0x02, USBSetupPacket.CLEAR_FEATURE):
            guard s.wValue == USBSetupPacket.ENDPOINT_HALT, let endpoint = endpoint(s.wIndex) else { return .stall }
            clearHalt(endpoint)
            return .ok
        case (0x02, USBSetupPacket.SET_FEATURE):
            guard s.wValue == USBSetupPacket.ENDPOINT_HALT, let endpoint = endpoint(s.wIndex), endpoint & 0x7F != 0 else {
                return .stall
            }
            if !isHalted(endpoint: endpoint) { haltedEndpoints.append(endpoint) }
            return .ok
        case (0x01, USBSetupPacket.SET_INTERFACE):
            guard configuration != 0, s.wIndex == 0, s.wValue == 0 else { return .stall }
            return .ok
        case (0x81, USBSetupPacket.GET_INTERFACE):
            guard configuration != 0, s.wIndex == 0 else { return .stall }
            return .data([0])
        default:
            return .stall
        }
    }

    /// GET_DESCRIPTOR (USB 2.0 §9.4.3): device, configuration (with everything under it) and
    /// strings; the caller cuts the answer to wLength. A full-speed-only device has no device
    /// qualifier, so that request stalls (§9.6.2).
    private func getDescriptor(type: UInt8, index: UInt8, languageID: UInt16) -> ControlResult {
        switch type {
        case USBDescriptorType.DEVICE where index == 0:
            return .data(deviceDescriptor)
        case USBDescriptorType.CONFIGURATION where index == 0:
            return .data(configurationDescriptor)
        case USBDescriptorType.STRING:
            // Strings other than the LANGID list are in English (US); 0 is accepted from hosts
            // that do not read the list first.
            guard index == 0 || languageID == TokenDescriptors.languageID || languageID == 0,
                  let string = descriptors.stringDescriptor(index: index) else { return .stall }
            return .data(string)
        default:
            return .stall
        }
    }

    /// SET_CONFIGURATION (USB 2.0 §9.4.7): 0 back to the address state, 1 configures the
    /// device; halts clear, and the host learns the slot's state from a first NotifySlotChange
    /// (CCID rev 1.1 §6.3.1).
    private func setConfiguration(_ value: UInt16) -> ControlResult {
        switch value {
        case 0:
            configuration = 0
            haltedEndpoints = []
        case UInt16(TokenDescriptors.bConfigurationValue):
            configuration = TokenDescriptors.bConfigurationValue
            haltedEndpoints = []
            notifySlotChange()
        default:
            return .stall
        }
        return .ok
    }

    /// The endpoint addressed by wIndex, if the device has it (endpoint 0 in both directions,
    /// the others only once configured).
    private func endpoint(_ wIndex: UInt16) -> UInt8? {
        let address = UInt8(truncatingIfNeeded: wIndex)
        guard wIndex >> 8 == 0 else { return nil }
        if address & 0x7F == 0 { return address }
        let endpoints = [TokenDevice.bulkOutEndpoint, TokenDevice.bulkInEndpoint, TokenDevice.interruptEndpoint]
        guard configuration != 0, endpoints.contains(address) else { return nil }
        return address
    }

    /// CLEAR_FEATURE ENDPOINT_HALT: the endpoint works again. On bulk OUT this is also where
    /// the host resynchronises after a broken message: the reassembly buffer is emptied.
    private func clearHalt(_ endpoint: UInt8) {
        haltedEndpoints.removeAll { $0 == endpoint }
        if endpoint == TokenDevice.bulkOutEndpoint {
            reader.reset()
            bulkOutDiscard = 0
        }
    }

    // MARK: CCID class requests (CCID rev 1.1 §5.3)

    private func classRequest(_ s: USBSetupPacket) -> ControlResult {
        guard s.recipient == 1, s.wIndex == 0 else { return .stall }
        switch (s.bmRequestType, s.bRequest) {
        case (0x21, TokenDevice.ABORT):
            // wValue: bSeq in the high byte, bSlot in the low byte.
            guard s.wValue & 0xFF == 0 else { return .stall }
            controlAbort(bSeq: UInt8(s.wValue >> 8))
            return .ok
        case (0xA1, TokenDevice.GET_CLOCK_FREQUENCIES):
            var out: [UInt8] = []
            out.appendLE32(TokenDescriptors.clockFrequency)
            return .data(out)
        case (0xA1, TokenDevice.GET_DATA_RATES):
            var out: [UInt8] = []
            out.appendLE32(TokenDescriptors.dataRate)
            return .data(out)
        default:
            return .stall
        }
    }
}

/// The answer to a control transfer.
public enum ControlResult: Sendable, Equatable {
    /// IN data stage (already cut to wLength).
    case data([UInt8])
    /// Status stage only (OUT requests, or IN requests with nothing to say).
    case ok
    /// The request is not supported: the endpoint stalls (-EPIPE in USB/IP).
    case stall
}
