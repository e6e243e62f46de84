"""safetensors read and written with json + numpy alone, independently of TransformerSharp's reader and writer
(the format: an 8-byte little-endian header length, a JSON header of dtype, shape and data_offsets, raw data).

  dump FILE          prints {"metadata": ..., "tensors": {name: {"dtype", "shape", "values"}}} as JSON
  write-sample FILE  writes the same 2x3 values as F32, F16 and BF16 (all exactly representable in each)
"""
import json, struct, sys
import numpy as np

def read(path):
    data = open(path, "rb").read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    start = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = data[start + begin:start + end]
        if entry["dtype"] == "BF16":
            values = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            values = np.frombuffer(raw, {"F32": "<f4", "F16": "<f2"}[entry["dtype"]])
        tensors[name] = (entry["dtype"], values.reshape(entry["shape"]))
    return tensors, header.get("__metadata__")

def write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, (dtype, values) in tensors.items():
        if dtype == "BF16":
            raw = (np.asarray(values, "<f4").view(np.uint32) >> 16).astype("<u2").tobytes()
        else:
            raw = np.asarray(values, {"F32": "<f4", "F16": "<f2"}[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(np.shape(values)), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    encoded = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))

SAMPLE = np.array([[-1.125, -0.75, -0.375], [0.0, 0.375, 0.75]], dtype=np.float32)

if __name__ == "__main__":
    command, path = sys.argv[1], sys.argv[2]
    if command == "dump":
        tensors, metadata = read(path)
        print(json.dumps({"metadata": metadata, "tensors": {name: {"dtype": dtype, "shape": list(v.shape), "values": v.astype(np.float64).ravel().tolist()}
                                                          for name, (dtype, v) in tensors.items()}}))
    elif command == "write-sample":
        write(path, {"full": ("F32", SAMPLE), "half": ("F16", SAMPLE), "brain": ("BF16", SAMPLE)})
