extension ComfyUIWorkflow {
    /// The built-in img2img workflow: the default txt2img graph with its empty latent replaced by the product image
    /// (`LoadImage` 10), scaled to the requested size (`ImageScale` 11, cropped to fill) and encoded (`VAEEncode`
    /// 12), sampled at `denoise` 0.6 (`generation.parameters.denoise` overrides, as for txt2img). Used for requests
    /// with a reference image when the campaign names no workflow of its own.
    public static var standardImageToImage: ComfyUIWorkflow {
        get throws(ProviderSetupError) { try ComfyUIWorkflow(json: imageToImageSource) }
    }

    /// The built-in img2img workflow (API format).
    static let imageToImageSource = #"""
        {
          "3": {
            "class_type": "KSampler",
            "inputs": {
              "cfg": 8,
              "denoise": 0.6,
              "latent_image": ["12", 0],
              "model": ["4", 0],
              "negative": ["7", 0],
              "positive": ["6", 0],
              "sampler_name": "euler",
              "scheduler": "normal",
              "seed": 8566257,
              "steps": 20
            }
          },
          "4": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": { "ckpt_name": "v1-5-pruned-emaonly.safetensors" }
          },
          "6": {
            "class_type": "CLIPTextEncode",
            "inputs": { "clip": ["4", 1], "text": "product photo" }
          },
          "7": {
            "class_type": "CLIPTextEncode",
            "inputs": { "clip": ["4", 1], "text": "" }
          },
          "8": {
            "class_type": "VAEDecode",
            "inputs": { "samples": ["3", 0], "vae": ["4", 2] }
          },
          "9": {
            "class_type": "SaveImage",
            "inputs": { "filename_prefix": "adgen", "images": ["8", 0] }
          },
          "10": {
            "class_type": "LoadImage",
            "inputs": { "image": "product.png" }
          },
          "11": {
            "class_type": "ImageScale",
            "inputs": { "crop": "center", "height": 512, "image": ["10", 0], "upscale_method": "lanczos", "width": 512 }
          },
          "12": {
            "class_type": "VAEEncode",
            "inputs": { "pixels": ["11", 0], "vae": ["4", 2] }
          }
        }
        """#
}
