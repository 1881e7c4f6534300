-- SPDX-License-Identifier: Apache-2.0
-- tracewire.lua - Wireshark dissector for tracewire prefix blocks and v1 trace headers (spec chapters 4 and 5).
--
-- Load it with `tshark -X lua_script:tools/wireshark/tracewire.lua` (or copy it
-- into Wireshark's personal plugins folder), then either set the TCP port
-- (`-o tracewire.tcp_port:4717`, or Preferences > Protocols > tracewire), use
-- Decode As > TCP port > TRACEWIRE, or switch on the heuristic
-- (`-o tracewire.heuristic:TRUE`). tools/wireshark/README.md has the details.
--
-- The decoder follows the spec's order of checks exactly (block: spec §5.2.3;
-- message: §4.4.3 to §4.4.5; dropped text: §4.5), so the status it shows is
-- the one every conforming decoder reports; `make wireshark-test` runs the
-- conformance vectors through it.

local tw = Proto("tracewire", "tracewire trace context")

-- ---- fields -----------------------------------------------------------------

local WIRE_TYPES = { [0] = "VARINT", [1] = "I64", [2] = "LEN", [3] = "SGROUP", [4] = "EGROUP", [5] = "I32", [6] = "undefined", [7] = "undefined" }
local FIELD_NAMES = { [1] = "trace_id", [2] = "span_id", [3] = "trace_flags", [4] = "correlation_id", [5] = "tracestate", [6] = "baggage" }

local F = {
    frame_length = ProtoField.uint32("tracewire.frame_length", "Frame length", base.DEC),
    version = ProtoField.uint8("tracewire.block.version", "Block version", base.HEX),
    length = ProtoField.uint32("tracewire.block.length", "Header length", base.DEC),
    length_size = ProtoField.uint8("tracewire.block.length_size", "Length bytes", base.DEC),
    header = ProtoField.bytes("tracewire.header", "Header message"),
    trace_id = ProtoField.bytes("tracewire.trace_id", "Trace ID", base.NONE),
    span_id = ProtoField.bytes("tracewire.span_id", "Span ID", base.NONE),
    trace_flags = ProtoField.uint8("tracewire.trace_flags", "Trace flags", base.HEX),
    sampled = ProtoField.bool("tracewire.trace_flags.sampled", "Sampled", 8, nil, 0x01),
    random = ProtoField.bool("tracewire.trace_flags.random", "Random", 8, nil, 0x02),
    reserved = ProtoField.uint8("tracewire.trace_flags.reserved", "Reserved", base.HEX, nil, 0xfc),
    correlation_id = ProtoField.string("tracewire.correlation_id", "Correlation ID"),
    uuid_version = ProtoField.uint8("tracewire.correlation_id.version", "UUID version", base.DEC),
    tracestate = ProtoField.string("tracewire.tracestate", "Tracestate"),
    baggage = ProtoField.string("tracewire.baggage", "Baggage"),
    dropped_tracestate = ProtoField.string("tracewire.tracestate.dropped", "Tracestate (dropped)"),
    dropped_baggage = ProtoField.string("tracewire.baggage.dropped", "Baggage (dropped)"),
    unknown = ProtoField.bytes("tracewire.unknown", "Unknown field", base.NONE),
    traceparent = ProtoField.string("tracewire.traceparent", "traceparent"),
    canonical = ProtoField.bool("tracewire.canonical", "Canonical"),
    status = ProtoField.string("tracewire.status", "Status"),
    status_class = ProtoField.string("tracewire.status_class", "Status class"),
    occurrence = ProtoField.bytes("tracewire.field", "Field", base.NONE),
    field_number = ProtoField.uint32("tracewire.field.number", "Field number", base.DEC),
    wire_type = ProtoField.uint8("tracewire.field.wire_type", "Wire type", base.DEC, WIRE_TYPES),
    field_length = ProtoField.uint32("tracewire.field.length", "Length", base.DEC),
    field_varint = ProtoField.uint64("tracewire.field.varint", "Varint value", base.DEC),
    payload = ProtoField.bytes("tracewire.payload", "Application frame"),
}
local field_list = {}
for _, v in pairs(F) do field_list[#field_list + 1] = v end
tw.fields = field_list

-- ---- expert infos -------------------------------------------------------------

local E = {
    malformed = ProtoExpert.new("tracewire.malformed", "Malformed tracewire header", expert.group.MALFORMED, expert.severity.ERROR),
    invalid = ProtoExpert.new("tracewire.invalid", "Invalid tracewire header", expert.group.PROTOCOL, expert.severity.ERROR),
    limit = ProtoExpert.new("tracewire.limit", "tracewire limit exceeded", expert.group.PROTOCOL, expert.severity.ERROR),
    version = ProtoExpert.new("tracewire.version", "Block of another wire version: skipped", expert.group.UNDECODED, expert.severity.WARN),
    truncated = ProtoExpert.new("tracewire.truncated", "Block incomplete", expert.group.MALFORMED, expert.severity.ERROR),
    framing = ProtoExpert.new("tracewire.framing", "Block framing broken: the frame start cannot be found", expert.group.MALFORMED, expert.severity.ERROR),
    dropped = ProtoExpert.new("tracewire.dropped", "Invalid text dropped (the header stays valid)", expert.group.PROTOCOL, expert.severity.WARN),
    noncanonical = ProtoExpert.new("tracewire.noncanonical", "Not the canonical encoding", expert.group.PROTOCOL, expert.severity.NOTE),
    replaced = ProtoExpert.new("tracewire.replaced", "Occurrence replaced by a later one", expert.group.PROTOCOL, expert.severity.NOTE),
    reserved = ProtoExpert.new("tracewire.reserved_flags", "Reserved trace-flag bits set", expert.group.PROTOCOL, expert.severity.NOTE),
}
tw.experts = { E.malformed, E.invalid, E.limit, E.version, E.truncated, E.framing, E.dropped, E.noncanonical, E.replaced, E.reserved }

-- Status codes of spec §4.6.2 and their classes.
local STATUS = {
    TW_OK = { "ok", "success" },
    TW_E_TRUNCATED = { "truncated", "the input ends before the block does" },
    TW_E_VARINT = { "malformed", "a varint whose 10th byte is neither 0x00 nor 0x01" },
    TW_E_FIELD_NUMBER = { "malformed", "a tag of 2^32 or more, or field number 0" },
    TW_E_WIRE_TYPE = { "malformed", "wire type 3, 4, 6 or 7, or a known field with a wire type not its own" },
    TW_E_OVERRUN = { "malformed", "a field runs past the end of the message" },
    TW_E_BLOCK_LENGTH = { "malformed", "a block length that is not a minimal unsigned-varint of at most 9 bytes" },
    TW_E_ID_LENGTH = { "invalid", "an id is neither empty nor exactly its size" },
    TW_E_ZERO_ID = { "invalid", "an all-zero trace-id, span-id or correlation-id" },
    TW_E_FLAGS = { "invalid", "trace_flags above 255, or an occurrence of 2^32 or more" },
    TW_E_CONTEXT = { "invalid", "trace-id without span-id or the reverse, or flags or tracestate without trace context" },
    TW_E_TOO_LONG = { "limit", "a header, block length, tracestate or baggage over its octet limit" },
    TW_E_TOO_MANY_UNKNOWN = { "limit", "more than 8 unknown fields" },
    TW_E_VERSION = { "version", "a block whose version is not 1" },
}

-- ---- preferences --------------------------------------------------------------

local FRAMING_UVARINT, FRAMING_BLOCK = 1, 2
tw.prefs.tcp_port = Pref.uint("TCP port", 0, "Decode this TCP port as tracewire (0: none)")
tw.prefs.framing = Pref.enum("Application framing", FRAMING_UVARINT,
    "How frames are delimited on the stream", {
        { 1, "Unsigned-varint length, then a block and the frame (libp2p style)", FRAMING_UVARINT },
        { 2, "A block at the start of each TCP segment, the rest is the frame", FRAMING_BLOCK },
    }, false)
tw.prefs.heuristic = Pref.bool("Heuristic on any TCP port", false,
    "Guess tracewire on TCP streams whose first frame holds a valid v1 block with trace context. " ..
    "A block has no marker (spec §10.5.3 rule 2), so this can misread other protocols.")

-- ---- byte helpers --------------------------------------------------------------

local TWO32 = 4294967296

-- A protobuf varint at 0-based position pos of s (limit: end of the message).
-- Returns value, size; or nil, status.
local function read_varint(s, pos, limit)
    local value, mult = 0, 1
    for i = 1, 10 do
        if pos + i > limit then return nil, "TW_E_OVERRUN" end
        local b = s:byte(pos + i)
        if i == 10 and b > 1 then return nil, "TW_E_VARINT" end
        value = value + (b % 128) * mult
        mult = mult * 128
        if b < 128 then return value, i end
    end
end

local function varint_bytes(n)
    local out = {}
    while n >= 128 do
        out[#out + 1] = string.char(n % 128 + 128)
        n = math.floor(n / 128)
    end
    out[#out + 1] = string.char(n)
    return table.concat(out)
end

local function hex(s)
    return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function all_zero(s)
    return s:find("[^%z]") == nil
end

local function uuid_text(s)
    local h = hex(s)
    return h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-" .. h:sub(13, 16) .. "-" .. h:sub(17, 20) .. "-" .. h:sub(21, 32)
end

-- ---- tracestate and baggage grammars (spec §4.2.5, §4.2.6) ---------------------

local function is_ows(c) return c == 0x20 or c == 0x09 end

local function split(s, sep)
    local out, start = {}, 1
    while true do
        local i = s:find(sep, start, true)
        if not i then out[#out + 1] = s:sub(start); return out end
        out[#out + 1] = s:sub(start, i - 1)
        start = i + 1
    end
end

-- Non-empty list-members: pieces between commas with an octet other than SP and HTAB (spec §2.6).
local function count_members(s)
    local n, seen = 0, false
    for i = 1, #s do
        local c = s:byte(i)
        if c == 0x2c then
            if seen then n = n + 1 end
            seen = false
        elseif not is_ows(c) then
            seen = true
        end
    end
    if seen then n = n + 1 end
    return n
end

local function lstrip(s)
    local i = 1
    while i <= #s and is_ows(s:byte(i)) do i = i + 1 end
    return s:sub(i), i > 1
end

local function rstrip(s)
    local j = #s
    while j >= 1 and is_ows(s:byte(j)) do j = j - 1 end
    return s:sub(1, j), j < #s
end

local function ts_key_ok(k)
    if #k < 1 or #k > 256 then return false end
    local c = k:byte(1)
    if not ((c >= 0x61 and c <= 0x7a) or (c >= 0x30 and c <= 0x39)) then return false end
    for i = 2, #k do
        c = k:byte(i)
        if not ((c >= 0x61 and c <= 0x7a) or (c >= 0x30 and c <= 0x39) or c == 0x5f or c == 0x2d or c == 0x2a or c == 0x2f or c == 0x40) then
            return false
        end
    end
    return true
end

local function nblk(c) return (c >= 0x21 and c <= 0x2b) or (c >= 0x2d and c <= 0x3c) or (c >= 0x3e and c <= 0x7e) end

local function ts_value_ok(v)
    if #v < 1 or #v > 256 then return false end
    for i = 1, #v do
        local c = v:byte(i)
        if not (c == 0x20 or nblk(c)) then return false end
    end
    return nblk(v:byte(#v))
end

-- Returns nil when valid, else the status the text checks give (spec §4.2.5).
local function tracestate_status(s)
    if count_members(s) > 32 then return "TW_E_TOO_MANY_MEMBERS" end
    local pieces, keys = split(s, ","), {}
    for idx, p in ipairs(pieces) do
        local core, led = lstrip(p)
        if core ~= "" then
            if led and idx == 1 then return "TW_E_TRACESTATE" end
            local trail
            core, trail = rstrip(core)
            if trail and idx == #pieces then return "TW_E_TRACESTATE" end
            local eq = core:find("=", 1, true)
            if not eq then return "TW_E_TRACESTATE" end
            local k, v = core:sub(1, eq - 1), core:sub(eq + 1)
            if not ts_key_ok(k) or not ts_value_ok(v) or keys[k] then return "TW_E_TRACESTATE" end
            keys[k] = true
        end
    end
    return nil
end

local TCHAR = "!#$%&'*+-.^_`|~"
local function tchars_ok(k)
    if #k < 1 then return false end
    for i = 1, #k do
        local c = k:byte(i)
        local alnum = (c >= 0x30 and c <= 0x39) or (c >= 0x41 and c <= 0x5a) or (c >= 0x61 and c <= 0x7a)
        if not alnum and not TCHAR:find(string.char(c), 1, true) then return false end
    end
    return true
end

local function bg_value_ok(v)
    for i = 1, #v do
        local c = v:byte(i)
        if not (c == 0x21 or (c >= 0x23 and c <= 0x2b) or (c >= 0x2d and c <= 0x3a) or (c >= 0x3c and c <= 0x5b) or (c >= 0x5d and c <= 0x7e)) then
            return false
        end
    end
    return true
end

local function bg_pair_ok(part, need_value)
    local eq = part:find("=", 1, true)
    if not eq then return (not need_value) and tchars_ok(part) end
    local k = rstrip(part:sub(1, eq - 1))
    local v = lstrip(part:sub(eq + 1))
    return tchars_ok(k) and bg_value_ok(v)
end

-- Returns nil when valid, else the status the text checks give (spec §4.2.6).
local function baggage_status(s)
    if count_members(s) > 64 then return "TW_E_TOO_MANY_MEMBERS" end
    for _, p in ipairs(split(s, ",")) do
        local member = rstrip((lstrip(p)))
        if member == "" then return "TW_E_BAGGAGE" end
        local parts = split(member, ";")
        for i, part in ipairs(parts) do
            part = rstrip((lstrip(part)))
            if part == "" or not bg_pair_ok(part, i == 1) then return "TW_E_BAGGAGE" end
        end
    end
    return nil
end

-- ---- the message decoder (spec §4.4) --------------------------------------------

local KNOWN_WT = { [1] = 2, [2] = 2, [3] = 0, [4] = 2, [5] = 2, [6] = 2 }
local MAX_LEN = { [1] = 16, [2] = 8, [4] = 16 }

-- Decodes the message s (a Lua string). Returns a result table:
--   status, at (0-based offset of the failure), fields (every occurrence read:
--   start, size, number, wire type, payload start and length, value), and on
--   success the final values, the unknown fields, canonical and dropped flags.
local function decode_message(s)
    local len = #s
    local r = { status = "TW_OK", fields = {}, unknown = {} }
    local function fail(code, at) r.status = code; r.at = at; return r end
    if len > 16384 then return fail("TW_E_TOO_LONG", 0) end
    local pos, nunknown = 0, 0
    local last = {}
    while pos < len do
        local start = pos
        local tag, n = read_varint(s, pos, len)
        if not tag then return fail(n, pos) end
        pos = pos + n
        local number, wt = math.floor(tag / 8), tag % 8
        if tag >= TWO32 or number == 0 then return fail("TW_E_FIELD_NUMBER", start) end
        if wt == 3 or wt == 4 or wt == 6 or wt == 7 then return fail("TW_E_WIRE_TYPE", start) end
        if KNOWN_WT[number] and KNOWN_WT[number] ~= wt then return fail("TW_E_WIRE_TYPE", start) end
        local f = { start = start, tag_size = n, number = number, wt = wt }
        if wt == 0 then
            local v, m = read_varint(s, pos, len)
            if not v then return fail(m, pos) end
            f.pstart, f.plen, f.varint = pos, m, v
            pos = pos + m
        elseif wt == 1 or wt == 5 then
            local m = (wt == 1) and 8 or 4
            if pos + m > len then return fail("TW_E_OVERRUN", start) end
            f.pstart, f.plen = pos, m
            pos = pos + m
        else
            local l, m = read_varint(s, pos, len)
            if not l then return fail(m, pos) end
            f.len_size = m
            pos = pos + m
            if l > len - pos then return fail("TW_E_OVERRUN", start) end
            f.pstart, f.plen = pos, l
            pos = pos + l
        end
        f.size = pos - start
        r.fields[#r.fields + 1] = f
        -- Per-occurrence rules (spec §4.4.4).
        if MAX_LEN[number] and f.plen > MAX_LEN[number] then return fail("TW_E_ID_LENGTH", start) end
        if number == 5 and f.plen > 4096 then return fail("TW_E_TOO_LONG", start) end
        if number == 6 and f.plen > 8192 then return fail("TW_E_TOO_LONG", start) end
        if number == 3 and f.varint >= TWO32 then return fail("TW_E_FLAGS", start) end
        if FIELD_NAMES[number] then
            if last[number] then last[number].replaced = true end
            last[number] = f
        else
            nunknown = nunknown + 1
            if nunknown > 8 then return fail("TW_E_TOO_MANY_UNKNOWN", start) end
            r.unknown[#r.unknown + 1] = f
        end
    end
    -- Final values (spec §4.4.5).
    local function payload(number)
        local f = last[number]
        if not f then return "" end
        return s:sub(f.pstart + 1, f.pstart + f.plen)
    end
    local tid, sid, cid = payload(1), payload(2), payload(4)
    local flags = last[3] and last[3].varint or 0
    local ts, bg = payload(5), payload(6)
    r.last = last
    for _, pair in ipairs({ { tid, 16, 1 }, { sid, 8, 2 }, { cid, 16, 4 } }) do
        if #pair[1] ~= 0 and #pair[1] ~= pair[2] then return fail("TW_E_ID_LENGTH", last[pair[3]].start) end
    end
    if flags > 255 then return fail("TW_E_FLAGS", last[3].start) end
    if (#tid > 0) ~= (#sid > 0) or (#tid == 0 and (flags ~= 0 or #ts > 0)) then
        return fail("TW_E_CONTEXT", 0)
    end
    for _, pair in ipairs({ { tid, 1 }, { sid, 2 }, { cid, 4 } }) do
        if #pair[1] > 0 and all_zero(pair[1]) then return fail("TW_E_ZERO_ID", last[pair[2]].start) end
    end
    r.trace_id, r.span_id, r.flags, r.correlation_id = tid, sid, flags, cid
    if #ts > 0 then
        r.ts_status = tracestate_status(ts)
        if r.ts_status then r.dropped_tracestate = ts else r.tracestate = ts end
    end
    if #bg > 0 then
        r.bg_status = baggage_status(bg)
        if r.bg_status then r.dropped_baggage = bg else r.baggage = bg end
    end
    -- Canonical: encoding the values gives the input (spec §4.3.1, §4.4.6).
    local enc = {}
    if #tid > 0 then enc[#enc + 1] = "\10\16" .. tid .. "\18\8" .. sid end
    if flags ~= 0 then enc[#enc + 1] = "\24" .. varint_bytes(flags) end
    if #cid > 0 then enc[#enc + 1] = "\34\16" .. cid end
    if r.tracestate then enc[#enc + 1] = "\42" .. varint_bytes(#ts) .. ts end
    if r.baggage then enc[#enc + 1] = "\50" .. varint_bytes(#bg) .. bg end
    for _, f in ipairs(r.unknown) do enc[#enc + 1] = s:sub(f.start + 1, f.start + f.size) end
    r.canonical = (table.concat(enc) == s) and not r.dropped_tracestate and not r.dropped_baggage
    return r
end

-- ---- the block (spec §5.2.3, steps 1 to 5) ---------------------------------------

-- Reads the framing of a block in s (0-based start). Returns a table with
-- status (TW_OK when steps 1 to 5 pass), version, length, length_size.
local function measure_block(s)
    local b = { status = "TW_OK" }
    if #s == 0 then b.status = "TW_E_TRUNCATED"; return b end
    b.version = s:byte(1)
    local value, mult = 0, 1
    for i = 1, 9 do
        if 1 + i > #s then b.status = "TW_E_TRUNCATED"; return b end
        local c = s:byte(1 + i)
        value = value + (c % 128) * mult
        mult = mult * 128
        if c < 128 then
            b.length, b.length_size = value, i
            if i > 1 and c == 0 then b.status = "TW_E_BLOCK_LENGTH" end
            break
        end
    end
    if not b.length_size then b.status = "TW_E_BLOCK_LENGTH"; return b end
    if b.status ~= "TW_OK" then return b end
    if b.length > 16384 then b.status = "TW_E_TOO_LONG"; return b end
    if #s < 1 + b.length_size + b.length then b.status = "TW_E_TRUNCATED"; b.framing_ok = true; return b end
    b.framing_ok = true
    if b.version ~= 1 then b.status = "TW_E_VERSION" end
    return b
end

-- ---- tree ------------------------------------------------------------------------

local function expert_for(code)
    local class = STATUS[code] and STATUS[code][1] or "malformed"
    if class == "invalid" then return E.invalid end
    if class == "limit" then return E.limit end
    if class == "version" then return E.version end
    if class == "truncated" then return E.truncated end
    return E.malformed
end

local function status_text(code)
    return code .. " (" .. (STATUS[code] and STATUS[code][1] or "?") .. ")"
end

-- Shows the message s, at tvb offset base: status, the final values, then
-- every occurrence read. Returns the decoder's result and a summary.
local function show_message(tvb, base, s, tree)
    local r = decode_message(s)
    local mt = tree:add(F.header, tvb(base, #s))
    mt:set_text(string.format("Trace header (%d bytes)", #s))
    local summary
    if r.status ~= "TW_OK" then
        local at = tvb(base + math.min(r.at or 0, math.max(#s - 1, 0)), #s > 0 and 1 or 0)
        local st = mt:add(F.status, at, r.status)
        mt:add(F.status_class, at, STATUS[r.status][1])
        st:add_proto_expert_info(expert_for(r.status), r.status .. ": " .. STATUS[r.status][2])
        mt:append_text(", " .. status_text(r.status))
        summary = r.status
    else
        mt:add(F.status, tvb(base, #s), "TW_OK")
        mt:add(F.status_class, tvb(base, #s), "ok")
        local function prange(number) local f = r.last[number]; return tvb(base + f.pstart, f.plen) end
        if #r.trace_id > 0 then
            mt:add(F.trace_id, prange(1))
            mt:add(F.span_id, prange(2))
            local frange = r.last[3] and prange(3) or tvb(base + r.last[2].pstart, 0)
            local fi = mt:add(F.trace_flags, frange, r.flags)
            fi:add(F.sampled, frange, r.flags)
            fi:add(F.random, frange, r.flags)
            fi:add(F.reserved, frange, r.flags)
            if r.flags >= 4 then
                fi:add_proto_expert_info(E.reserved, string.format("Reserved flag bits 0x%02x: forwarded unchanged (spec §4.2.3)", r.flags - r.flags % 4))
            end
            mt:add(F.traceparent, prange(1), string.format("00-%s-%s-%02x", hex(r.trace_id), hex(r.span_id), r.flags))
            summary = string.format("trace_id=%s span_id=%s flags=%02x", hex(r.trace_id), hex(r.span_id), r.flags)
        end
        if #r.correlation_id > 0 then
            local ci = mt:add(F.correlation_id, prange(4), uuid_text(r.correlation_id))
            ci:add(F.uuid_version, tvb(base + r.last[4].pstart + 6, 1), math.floor(r.correlation_id:byte(7) / 16))
            summary = (summary and summary .. " " or "") .. "correlation_id=" .. uuid_text(r.correlation_id)
        end
        if r.tracestate then mt:add(F.tracestate, prange(5), r.tracestate) end
        if r.dropped_tracestate then
            local it = mt:add(F.dropped_tracestate, prange(5), r.dropped_tracestate)
            it:add_proto_expert_info(E.dropped, "Tracestate dropped: " .. r.ts_status .. " (spec §4.5)")
        end
        if r.baggage then mt:add(F.baggage, prange(6), r.baggage) end
        if r.dropped_baggage then
            local it = mt:add(F.dropped_baggage, prange(6), r.dropped_baggage)
            it:add_proto_expert_info(E.dropped, "Baggage dropped: " .. r.bg_status .. " (spec §4.5)")
        end
        for _, f in ipairs(r.unknown) do
            local it = mt:add(F.unknown, tvb(base + f.start, f.size))
            it:append_text(string.format(" (field %d, %s)", f.number, WIRE_TYPES[f.wt]))
        end
        local ci = mt:add(F.canonical, tvb(base, #s), r.canonical)
        if not r.canonical then
            ci:add_proto_expert_info(E.noncanonical, "Re-encoding the values gives other bytes: a relay forwards these bytes unchanged (spec §3.6)")
        end
        mt:append_text(r.canonical and ", canonical" or ", not canonical")
        summary = summary or (#s == 0 and "empty header" or "no trace context")
    end
    local occ = mt:add(tw, tvb(base, #s), string.format("Fields read: %d", #r.fields))
    for _, f in ipairs(r.fields) do
        local name = FIELD_NAMES[f.number] or "unknown"
        local it = occ:add(F.occurrence, tvb(base + f.start, f.size))
        it:set_text(string.format("Field %d (%s), %s, %d bytes", f.number, name, WIRE_TYPES[f.wt], f.plen or 0))
        it:add(F.field_number, tvb(base + f.start, f.tag_size), f.number)
        it:add(F.wire_type, tvb(base + f.start, f.tag_size), f.wt)
        if f.len_size then it:add(F.field_length, tvb(base + f.start + f.tag_size, f.len_size), f.plen) end
        if f.varint then it:add(F.field_varint, tvb(base + f.pstart, f.plen), UInt64.new(f.varint % TWO32, math.floor(f.varint / TWO32))) end
        if f.replaced then it:add_proto_expert_info(E.replaced, "A later occurrence of field " .. f.number .. " gives the value") end
    end
    return r, summary
end

-- Dissects one block at tvb offset off, within n bytes (the frame body).
-- frame_complete: the body is a whole frame, so "truncated" is a framing error.
-- Returns the number of bytes the block takes (0 when it cannot be skipped).
local function dissect_block(tvb, pinfo, tree, off, n, frame_complete)
    local s = n > 0 and tvb:raw(off, n) or ""
    local b = measure_block(s)
    local bt = tree:add(tw, tvb(off, n > 0 and math.min(n, 1 + (b.length_size or 0) + (b.length or 0)) or 0), "Prefix block")
    if b.version then bt:add(F.version, tvb(off, 1)) end
    if b.length_size then
        bt:add(F.length, tvb(off + 1, b.length_size), b.length)
        bt:add(F.length_size, tvb(off + 1, b.length_size), b.length_size)
    end
    local info
    if b.status ~= "TW_OK" then
        local rng = tvb(off, n > 0 and math.min(n, 10) or 0)
        local st = bt:add(F.status, rng, b.status)
        bt:add(F.status_class, rng, STATUS[b.status][1])
        st:add_proto_expert_info(expert_for(b.status), b.status .. ": " .. STATUS[b.status][2])
        if not b.framing_ok or (b.status == "TW_E_TRUNCATED" and frame_complete) then
            st:add_proto_expert_info(E.framing, "The carrying protocol handles this as a malformed frame (spec §5.2.4)")
        end
        bt:append_text(", " .. status_text(b.status))
        info = b.status
        if b.status == "TW_E_VERSION" then
            bt:add(F.header, tvb(off + 1 + b.length_size, b.length)):set_text(string.format("Version %d message (%d bytes), not decoded", b.version, b.length))
            return 1 + b.length_size + b.length, info
        end
        return 0, info
    end
    local used = 1 + b.length_size + b.length
    bt:append_text(string.format(", version %d, %d bytes", b.version, used))
    local r, summary = show_message(tvb, off + 1 + b.length_size, s:sub(2 + b.length_size, used), bt)
    if r.status ~= "TW_OK" then bt:append_text(", " .. status_text(r.status)) end
    return used, summary
end

-- One application frame: a block, then the frame's own bytes.
local function dissect_body(tvb, pinfo, tree, off, n, frame_complete)
    local used, info = dissect_block(tvb, pinfo, tree, off, n, frame_complete)
    if used > 0 and used < n then
        tree:add(F.payload, tvb(off + used, n - used)):append_text(string.format(" (%d bytes)", n - used))
    end
    return info
end

local function read_uvarint(tvb, off, avail)
    local value, mult = 0, 1
    for i = 1, 9 do
        if i > avail then return nil, i end
        local c = tvb(off + i - 1, 1):uint()
        value = value + (c % 128) * mult
        mult = mult * 128
        if c < 128 then return value, i end
    end
    return nil, -1
end

local function set_info(pinfo, infos)
    pinfo.cols.protocol = "tracewire"
    pinfo.cols.info:set(table.concat(infos, " | "))
end

function tw.dissector(tvb, pinfo, tree)
    local total = tvb:len()
    local infos = {}
    if tw.prefs.framing == FRAMING_BLOCK then
        local s = tvb:raw(0, total)
        local b = measure_block(s)
        if b.status == "TW_E_TRUNCATED" and not pinfo.visited then
            pinfo.desegment_offset = 0
            pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
            return total
        end
        local t = tree:add(tw, tvb())
        infos[1] = dissect_body(tvb, pinfo, t, 0, total, false)
        set_info(pinfo, infos)
        return total
    end
    local off = 0
    while off < total do
        local flen, n = read_uvarint(tvb, off, total - off)
        if not flen then
            if n == -1 then
                local t = tree:add(tw, tvb(off))
                t:add_proto_expert_info(E.framing, "Frame length is not an unsigned-varint of at most 9 bytes")
                break
            end
            pinfo.desegment_offset = off
            pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
            return total
        end
        if off + n + flen > total then
            pinfo.desegment_offset = off
            pinfo.desegment_len = off + n + flen - total
            return total
        end
        local t = tree:add(tw, tvb(off, n + flen))
        t:add(F.frame_length, tvb(off, n), flen)
        infos[#infos + 1] = dissect_body(tvb, pinfo, t, off + n, flen, true) or "frame"
        off = off + n + flen
    end
    set_info(pinfo, infos)
    return off
end

-- ---- registration -------------------------------------------------------------------

local tcp_table = DissectorTable.get("tcp.port")
tcp_table:add_for_decode_as(tw)
local current_port = 0

function tw.prefs_changed()
    if current_port ~= 0 then tcp_table:remove(current_port, tw) end
    current_port = tw.prefs.tcp_port
    if current_port ~= 0 then tcp_table:add(current_port, tw) end
end

-- Heuristic (off unless the preference is set): the first bytes are an
-- unsigned-varint frame length whose frame starts with a complete v1 block
-- holding a header that decodes with trace context.
local function heuristic(tvb, pinfo, tree)
    if not tw.prefs.heuristic or tw.prefs.framing ~= FRAMING_UVARINT then return false end
    local total = tvb:len()
    local flen, n = read_uvarint(tvb, 0, math.min(total, 3))
    if not flen or n + flen > total or flen < 4 then return false end
    local s = tvb:raw(n, flen)
    local b = measure_block(s)
    if b.status ~= "TW_OK" then return false end
    local r = decode_message(s:sub(2 + b.length_size, 1 + b.length_size + b.length))
    if r.status ~= "TW_OK" or #(r.trace_id or "") == 0 then return false end
    pinfo.conversation = tw
    tw.dissector(tvb, pinfo, tree)
    return true
end
tw:register_heuristic("tcp", heuristic)

-- Exposed for tests and other scripts: decoding without a tree.
tracewire_decode_message = decode_message
tracewire_measure_block = measure_block
